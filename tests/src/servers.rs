//! Servers of a test's own, for scenarios that stop and start them: the
//! shared servers of the stack must keep serving the other tests.
//!
//! Each [`OwnServer`] runs the same program the stack runs (Apache Kafka,
//! OpenSearch and Redis through the stack's own engine scripts,
//! clickhouse-server, postgres) as a child process on free ports with a data directory of its
//! own, which survives a stop so a restart finds its data again. The directory is removed when the test
//! passes and kept, with the server's log, when it fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which program an [`OwnServer`] runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Broker { controller_port: u16 },
    ClickHouse { tcp_port: u16 },
    Postgres,
    Redis,
    Search { transport_port: u16 },
}

/// One server process of a test's own.
pub struct OwnServer {
    /// The port clients use (Kafka, HTTP, or PostgreSQL).
    pub port: u16,
    kind: Kind,
    dir: PathBuf,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A program path from `var`, else `fallback`.
fn program(var: &str, fallback: impl FnOnce() -> PathBuf) -> PathBuf {
    match std::env::var(var) {
        Ok(path) if !path.is_empty() => PathBuf::from(path),
        _ => fallback(),
    }
}

/// One of the stack's engine scripts (`scripts/engines/NAME.sh`), which
/// install the engine if needed and exec it in the foreground.
fn engine_script(name: &str) -> PathBuf {
    crate::interop::repo_root()
        .join("scripts/engines")
        .join(format!("{name}.sh"))
}

/// The PostgreSQL server programs of the Debian package (the newest major).
fn postgres_bin(name: &str) -> PathBuf {
    let dir = program("ENCORE_POSTGRES_BIN_DIR", || {
        let mut majors: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|entries| entries.flatten().map(|e| e.path().join("bin")).collect())
            .unwrap_or_default();
        majors.sort();
        majors
            .pop()
            .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"))
    });
    dir.join(name)
}

/// PostgreSQL refuses to run as root: its programs run as the `postgres`
/// user the Debian package creates.
fn as_postgres(program: &Path) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(program);
    command
}

impl OwnServer {
    /// An Apache Kafka broker (KRaft, one node) with its own log directory.
    pub fn broker() -> Self {
        Self::start(Kind::Broker {
            controller_port: free_port(),
        })
    }

    /// A ClickHouse server with its own data path.
    pub fn clickhouse() -> Self {
        Self::start(Kind::ClickHouse {
            tcp_port: free_port(),
        })
    }

    /// A PostgreSQL cluster of its own (trust authentication, user `postgres`).
    pub fn postgres() -> Self {
        Self::start(Kind::Postgres)
    }

    /// A Redis server, configured as the stack runs it (nothing on disk).
    pub fn redis() -> Self {
        Self::start(Kind::Redis)
    }

    /// The `redis://` URL of a Redis server.
    pub fn redis_url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// An OpenSearch node with its own data path.
    pub fn search() -> Self {
        Self::start(Kind::Search {
            transport_port: free_port(),
        })
    }

    fn start(kind: Kind) -> Self {
        let dir = std::env::temp_dir().join(format!("encore-own-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a data directory");
        let mut server = OwnServer {
            port: free_port(),
            kind,
            dir,
            child: None,
        };
        server.prepare();
        server.resume();
        server
    }

    /// `host:port`, for Kafka clients.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The base URL of an HTTP server (ClickHouse, search).
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The URL of `database` on a PostgreSQL server.
    pub fn postgres_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// One-off set-up before the first start: configuration files, a cluster.
    fn prepare(&self) {
        match self.kind {
            Kind::ClickHouse { tcp_port } => self.write_clickhouse_config(tcp_port),
            Kind::Postgres => {
                let data = self.dir.join("data");
                std::fs::create_dir_all(&data).expect("a cluster directory");
                chown_to_postgres(&self.dir);
                let status = as_postgres(&postgres_bin("initdb"))
                    .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "-D"])
                    .arg(&data)
                    .stdout(Stdio::null())
                    .stderr(self.log())
                    .status()
                    .expect("running initdb");
                assert!(
                    status.success(),
                    "initdb failed: see {}",
                    self.dir.display()
                );
            }
            Kind::Broker { .. } | Kind::Redis | Kind::Search { .. } => {}
        }
    }

    /// (Re)starts the server on the same ports and data, and waits until it answers.
    pub fn resume(&mut self) {
        let mut command = self.command();
        // Dies with the test process even when the test does not get to
        // drop it (a panic elsewhere ends the process first). Not PostgreSQL
        // or OpenSearch: their change of user clears the death signal.
        if !matches!(self.kind, Kind::Postgres | Kind::Search { .. }) {
            command = with_death_signal(&mut command);
        }
        let child = command
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(self.log())
            .stderr(self.log())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {:?}: {e}", command.get_program()));
        self.child = Some(child);
        // Not eventually(), which is async: OwnServer starts synchronously
        // (its constructors call this), and the fault tests rely on that.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "the test's {:?} server did not start; its log is in {}",
                self.kind,
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn command(&self) -> Command {
        let port = self.port.to_string();
        match self.kind {
            Kind::Broker { controller_port } => {
                let mut command = Command::new("bash");
                command
                    .arg(engine_script("kafka"))
                    .arg("run")
                    .arg(&self.dir)
                    .args([port, controller_port.to_string()]);
                command
            }
            Kind::ClickHouse { .. } => {
                let mut command = Command::new("clickhouse-server");
                command.arg(format!(
                    "--config-file={}",
                    self.dir.join("config.xml").display()
                ));
                command
            }
            Kind::Postgres => {
                let mut command = as_postgres(&postgres_bin("postgres"));
                command
                    .arg("-D")
                    .arg(self.dir.join("data"))
                    .args(["-p", &port, "-k"])
                    .arg(&self.dir)
                    .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
                command
            }
            Kind::Redis => {
                let mut command = Command::new("bash");
                command
                    .arg(engine_script("redis"))
                    .arg("run")
                    .arg(&self.dir)
                    .arg(port);
                command
            }
            Kind::Search { transport_port } => {
                let mut command = Command::new("bash");
                command
                    .arg(engine_script("opensearch"))
                    .arg("run")
                    .arg(&self.dir)
                    .args([port, transport_port.to_string()]);
                command
            }
        }
    }

    /// Whether the server answers its clients yet.
    fn answers(&self) -> bool {
        let open = std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok();
        match self.kind {
            // Listening comes before accepting queries (ClickHouse loads its
            // tables, PostgreSQL replays its log): ask it.
            Kind::ClickHouse { .. } => open && http_ok(self.port, "/ping"),
            Kind::Postgres => {
                open && Command::new(postgres_bin("pg_isready"))
                    .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                    .status()
                    .map(|s| s.success())
                    .unwrap_or(false)
            }
            Kind::Search { .. } => open && http_ok(self.port, "/"),
            Kind::Broker { .. } | Kind::Redis => open,
        }
    }

    /// Stops the server the way an operator would (SIGTERM; PostgreSQL's
    /// fast shutdown, SIGINT, which does not wait for clients to leave) and
    /// waits until it has exited.
    pub fn stop(&mut self) {
        let signal = if self.kind == Kind::Postgres {
            "-INT"
        } else {
            "-TERM"
        };
        self.signal_and_wait(signal);
    }

    /// Kills the server with SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        self.signal_and_wait("-KILL");
    }

    fn signal_and_wait(&mut self, signal: &str) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // PostgreSQL runs under setpriv, which execs it: same pid.
        let _ = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> Stdio {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null())
    }

    fn write_clickhouse_config(&self, tcp_port: u16) {
        let dir = self.dir.display();
        for sub in ["data", "tmp", "user_files", "format_schemas"] {
            std::fs::create_dir_all(self.dir.join(sub)).expect("a ClickHouse directory");
        }
        let config = format!(
            r#"<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>{dir}/clickhouse.log</log><errorlog>{dir}/clickhouse.err.log</errorlog></logger>
    <http_port>{http}</http_port>
    <tcp_port>{tcp_port}</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>50</max_concurrent_queries>
    <mark_cache_size>67108864</mark_cache_size>
    <path>{dir}/data/</path>
    <tmp_path>{dir}/tmp/</tmp_path>
    <user_files_path>{dir}/user_files/</user_files_path>
    <format_schema_path>{dir}/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
</yandex>
"#,
            http = self.port
        );
        let users = r#"<?xml version="1.0"?>
<yandex>
    <profiles><default></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
        <profile>default</profile><quota>default</quota></default></users>
    <quotas><default></default></quotas>
</yandex>
"#;
        std::fs::write(self.dir.join("config.xml"), config).expect("writing config.xml");
        std::fs::write(self.dir.join("users.xml"), users).expect("writing users.xml");
    }
}

/// `command` under `setpriv --pdeathsig KILL`, which execs it (same pid).
fn with_death_signal(command: &mut Command) -> Command {
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--pdeathsig", "KILL", "--"])
        .arg(command.get_program())
        .args(command.get_args());
    wrapped
}

/// A GET of `path` answered 200 (a bare HTTP/1.0 exchange: no client needed).
fn http_ok(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

fn chown_to_postgres(dir: &Path) {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .status()
        .expect("running chown");
    assert!(status.success(), "chown of {} failed", dir.display());
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "the test's {:?} server keeps its data and log in {}",
                self.kind,
                self.dir.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
