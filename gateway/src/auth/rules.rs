//! What an account's email, username and password must be: one place for
//! the rules that registration and profile edits both apply.

use crate::checks::Checks;

pub fn check_email(checks: &mut Checks, email: &str) {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !ok {
        checks.fail("email", "must be an email address such as ada@example.com");
    }
}

pub fn check_username(checks: &mut Checks, username: &str) {
    let ok = (3..=32).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !ok {
        checks.fail(
            "username",
            "must be 3 to 32 letters, digits, `_`, `.` or `-`",
        );
    }
}

pub fn check_password(checks: &mut Checks, field: &str, password: &str) {
    if !(8..=128).contains(&password.chars().count()) {
        checks.fail(field, "must be 8 to 128 characters");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_username_and_password_rules() {
        let mut checks = Checks::new();
        for good in ["ada@example.com", "a.b+c@mail.example.org"] {
            check_email(&mut checks, good);
        }
        check_username(&mut checks, "ada_l-1.x");
        check_password(&mut checks, "password", "12345678");
        assert!(checks.finish().is_ok());
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
        ] {
            let mut checks = Checks::new();
            check_email(&mut checks, bad);
            assert!(checks.finish().is_err(), "{bad}");
        }
        for bad in ["ab", "with space", "ünï", &"x".repeat(33)] {
            let mut checks = Checks::new();
            check_username(&mut checks, bad);
            assert!(checks.finish().is_err(), "{bad}");
        }
    }
}
