//! Private SPARQL engines for the tests: an Oxigraph server (`oxigraph
//! serve`, PyPI `oxigraph`) and a Virtuoso (`virtuoso-t`, Debian
//! `virtuoso-opensource`), each in a temporary directory of its own, on free
//! ports of 127.0.0.1, answering before `start` returns, and killed (by
//! its pid) when dropped. scripts/install-test-deps.sh installs both.

use palermo::remote::{Backend, Client, Credentials};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "run scripts/install-test-deps.sh";
/// The Virtuoso user with the SPARQL_UPDATE role that tests write as.
pub const USER: &str = "palermo";
pub const PASSWORD: &str = "palermo-test-secret";

/// A running engine, stopped when dropped.
pub struct Engine {
    child: Child,
    /// Held for its `Drop` (the data directory goes with the engine).
    _dir: tempfile::TempDir,
    log: PathBuf,
    /// `oxigraph+http://127.0.0.1:port/` or `virtuoso+http://…`.
    pub url: String,
    /// `http://127.0.0.1:port`: the engine's own HTTP root.
    pub http: String,
    /// Virtuoso's SQL port (isql), 0 for Oxigraph.
    pub sql_port: u16,
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Engine {
    pub fn backend(&self) -> Backend {
        self.url.parse().unwrap()
    }

    /// A client with the test user's credentials.
    pub fn client(&self) -> Client {
        Client::new(self.backend(), Some(Credentials::new(USER, PASSWORD)))
    }

    /// What the engine has logged so far, for a failure's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_ready(&mut self, path: &str, within: Duration) {
        let started = Instant::now();
        let url = format!("{}{path}", self.http);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .http_status_as_error(false)
            .build()
            .into();
        while started.elapsed() < within {
            if agent
                .get(&url)
                .call()
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!(
                    "the engine exited ({exit}) before answering:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the engine did not answer {url} within {within:?}:\n{}",
            self.log()
        );
    }
}

/// A port nobody listens on now; the engine binds it a moment later.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(cmd: &mut Command, dir: &Path, log: &Path, what: &str) -> Child {
    let out = std::fs::File::create(log).unwrap();
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} ({e}): {INSTALL}"))
}

/// `oxigraph serve` on a fresh store.
pub fn oxigraph() -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("oxigraph.log");
    let child = spawn(
        Command::new("oxigraph")
            .arg("serve")
            .arg("--location")
            .arg(dir.path().join("data"))
            .args(["--bind", &format!("127.0.0.1:{port}")]),
        dir.path(),
        &log,
        "oxigraph",
    );
    let mut engine = Engine {
        child,
        _dir: dir,
        log,
        url: format!("oxigraph+http://127.0.0.1:{port}/"),
        http: format!("http://127.0.0.1:{port}"),
        sql_port: 0,
    };
    engine.wait_ready("/", Duration::from_secs(30));
    engine
}

/// How a private Virtuoso is set up.
#[derive(Clone, Copy)]
pub struct VirtuosoConfig {
    /// `ResultSetMaxRows` (and `MaxSortedTopRows`): Debian's ini has 10,000.
    pub max_rows: u64,
}

impl Default for VirtuosoConfig {
    fn default() -> Self {
        VirtuosoConfig {
            max_rows: 1_000_000,
        }
    }
}

/// A private Virtuoso with raised limits and the user `USER` (password
/// `PASSWORD`, role SPARQL_UPDATE).
pub fn virtuoso() -> Engine {
    virtuoso_with(VirtuosoConfig::default())
}

pub fn virtuoso_with(config: VirtuosoConfig) -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let (sql_port, http_port) = (free_port(), free_port());
    let d = dir.path().display();
    let max_rows = config.max_rows;
    // Both ports on loopback; an empty VADInstallDir skips installing the
    // Conductor (about 3 s); the cost estimate that refuses queries
    // (MaxQueryCostEstimationTime, 400 s in Debian's ini) and the row caps
    // raised; CheckpointInterval 0: no checkpoints in a short test.
    let ini = format!(
        "[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = .
VADInstallDir =
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
MaxClientConnections = 20
ServerThreads = 20
Charset = UTF-8
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxSortedTopRows = {max_rows}
MaxQueryCostEstimationTime = 1000000000
MaxQueryExecutionTime = 600
"
    );
    let ini_path = dir.path().join("virtuoso.ini");
    std::fs::write(&ini_path, ini).unwrap();
    let log = dir.path().join("out.log");
    let child = spawn(
        Command::new("virtuoso-t")
            .args(["+foreground", "+configfile"])
            .arg(&ini_path),
        dir.path(),
        &log,
        "virtuoso-t",
    );
    let mut engine = Engine {
        child,
        log: dir.path().join("virtuoso.log"),
        _dir: dir,
        url: format!("virtuoso+http://127.0.0.1:{http_port}/"),
        http: format!("http://127.0.0.1:{http_port}"),
        sql_port,
    };
    engine.wait_ready("/sparql?query=ASK%7B%7D", Duration::from_secs(60));
    engine.isql(&format!(
        "DB.DBA.USER_CREATE ('{USER}', '{PASSWORD}');\nGRANT SPARQL_UPDATE TO \"{USER}\";"
    ));
    engine
}

impl Engine {
    /// Run SQL on Virtuoso as `dba` (the fresh database's password): one
    /// statement a line, each ending with `;`.
    pub fn isql(&self, sql: &str) -> String {
        assert_ne!(self.sql_port, 0, "isql is Virtuoso's");
        let mut child = Command::new("isql-vt")
            .arg(format!("127.0.0.1:{}", self.sql_port))
            .args(["dba", "dba"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start isql-vt ({e}): {INSTALL}"));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{sql}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && !text.contains("*** Error"),
            "isql failed on {sql}:\n{text}"
        );
        text
    }
}
