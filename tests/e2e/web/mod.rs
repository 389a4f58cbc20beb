//! The web app: cookie sessions, security headers and stream tickets over
//! HTTP ([`session`]), and the Playwright suite in Chromium ([`browser`]).

mod browser;
mod session;
