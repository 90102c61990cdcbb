//! One throwaway PostgreSQL cluster per [`Cluster::start`]: its own temp dir,
//! port, unix socket dir and random superuser password; stopped (immediate) and
//! removed on drop. Safe to use from parallel tests.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, SystemTime};

use super::os;
use super::tls;

const HOST: &str = "127.0.0.1";
const SUPERUSER: &str = "postgres";
/// Lines of server log quoted in panic messages.
const LOG_TAIL_LINES: usize = 40;
/// Seconds `pg_ctl -w` waits for start-up / shut-down.
const PG_CTL_TIMEOUT: &str = "60";
/// Attempts at starting on a fresh port when the chosen one was taken meanwhile.
const PORT_ATTEMPTS: usize = 5;

/// The PostgreSQL major the tests run against: `PG_PROVISION_TEST_MAJOR`, default 15.
pub fn test_major() -> u32 {
    match std::env::var("PG_PROVISION_TEST_MAJOR") {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().unwrap_or_else(|_| {
            panic!("PG_PROVISION_TEST_MAJOR={v:?} is not a PostgreSQL major version such as 15")
        }),
        _ => 15,
    }
}

/// Where the server binaries of `major` live (see docs/testing.md).
fn resolve_bin_dir(major: u32) -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_PROVISION_TEST_BINDIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if major == 15 {
        let debian = PathBuf::from("/usr/lib/postgresql/15/bin");
        if debian.join("postgres").exists() {
            return debian;
        }
    }
    let root = std::env::var_os("PG_PROVISION_PG_ROOT")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/pg-provision/postgres"));
    root.join(major.to_string()).join("bin")
}

/// Check once per process that the binaries exist and are the expected major.
fn check_binaries(bin_dir: &Path, major: u32) {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = CHECKED.get_or_init(|| {
        for program in ["postgres", "initdb", "pg_ctl"] {
            if !bin_dir.join(program).is_file() {
                return Err(format!(
                    "PostgreSQL {major} server binaries not found at {} (no {program}); run scripts/setup",
                    bin_dir.display()
                ));
            }
        }
        let out = Command::new(bin_dir.join("postgres"))
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run {}/postgres: {e}", bin_dir.display()))?;
        let version = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        if !out.status.success() || !version.contains(&format!("PostgreSQL) {major}.")) {
            return Err(format!(
                "{}/postgres --version says {version:?}, expected PostgreSQL {major} \
                 (check PG_PROVISION_TEST_MAJOR / PG_PROVISION_TEST_BINDIR; run scripts/setup)",
                bin_dir.display(),
            ));
        }
        Ok(())
    });
    if let Err(message) = result {
        panic!("{message}");
    }
}

/// The directory holding every cluster dir: `$PG_PROVISION_TEST_TMPDIR`, else
/// `/dev/shm` when it is a roomy tmpfs (copying and deleting a data dir there
/// is several times faster than on disk), else the system temp dir. It and its
/// ancestors must be traversable by the server user when we are root, and the
/// path short enough for the unix socket (107 bytes).
fn base_dir() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let parent = match std::env::var_os("PG_PROVISION_TEST_TMPDIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None if roomy_shm() => PathBuf::from("/dev/shm"),
            None => std::env::temp_dir(),
        };
        // Per user: a dir root made is not writable by a developer's account.
        let name = if os::is_root() {
            "pg-provision-tests".to_string()
        } else {
            format!("pg-provision-tests-{}", os::euid())
        };
        let mut base = parent.join(&name);
        let traversable = base
            .ancestors()
            .skip(1)
            .all(|a| fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
        if base.as_os_str().len() > 60 || (os::is_root() && !traversable) {
            base = Path::new("/tmp").join(&name);
        }
        fs::create_dir_all(&base).unwrap_or_else(|e| panic!("create {}: {e}", base.display()));
        if os::is_root() {
            fs::set_permissions(&base, fs::Permissions::from_mode(0o755))
                .unwrap_or_else(|e| panic!("chmod 0755 {}: {e}", base.display()));
        }
        base
    })
}

/// Whether /dev/shm has at least 2 GiB free (Docker's default 64 MB does not).
fn roomy_shm() -> bool {
    let Ok(out) = Command::new("df")
        .args(["--output=avail", "-B1", "/dev/shm"])
        .output()
    else {
        return false;
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse::<u64>().ok())
        .is_some_and(|avail| out.status.success() && avail >= 2 << 30)
}

/// Stop and remove clusters left behind by test processes that were killed
/// (their Drop never ran). Once per process.
fn reap_orphans() {
    static REAPED: Once = Once::new();
    REAPED.call_once(|| {
        let Ok(entries) = fs::read_dir(base_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let dir = entry.path();
            let owner = fs::read_to_string(dir.join("owner.pid"))
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok());
            let orphan = match owner {
                Some(pid) => !os::process_exists(pid),
                // Being created right now, or debris: only old debris goes.
                None => entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > Duration::from_secs(600)),
            };
            if !orphan || dir.join("kept").exists() {
                continue;
            }
            let data = dir.join("data");
            if let Ok(bin) = fs::read_to_string(dir.join("bin_dir")) {
                if data.join("postmaster.pid").exists() {
                    let _ = os::server_command(&Path::new(bin.trim()).join("pg_ctl"))
                        .arg("-D")
                        .arg(&data)
                        .args(["-m", "immediate", "-w", "-s", "stop"])
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status();
                }
            }
            let _ = fs::remove_dir_all(&dir);
        }
    });
}

/// Ports handed out in this process, so parallel tests never pick the same one.
fn free_port() -> u16 {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let used = USED.get_or_init(|| Mutex::new(HashSet::new()));
    loop {
        let port = TcpListener::bind((HOST, 0))
            .and_then(|l| l.local_addr())
            .expect("bind 127.0.0.1:0 to find a free port")
            .port();
        if used.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// A single-quoted postgresql.conf / conninfo value.
fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A new directory under [`base_dir`], tagged with this process's pid (for
/// [`reap_orphans`]) and the bin dir that can stop a server running in it.
fn new_owned_dir(prefix: &str, bin_dir: &Path) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(base_dir())
        .unwrap_or_else(|e| panic!("create a temp dir in {}: {e}", base_dir().display()));
    fs::write(dir.path().join("owner.pid"), std::process::id().to_string())
        .expect("write owner.pid");
    fs::write(
        dir.path().join("bin_dir"),
        bin_dir.as_os_str().as_encoded_bytes(),
    )
    .expect("write bin_dir");
    dir
}

fn append_config(data_dir: &Path, text: &str) {
    let path = data_dir.join("postgresql.conf");
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
}

/// Settings shared by every test cluster. Speed comes from `fsync = off`.
/// `synchronous_commit` stays on: with fsync off it costs only a write() per
/// commit, while `off` loses transactions committed just before `stop()` (an
/// immediate stop discards the WAL buffers), which broke stop/start_again tests.
const COMMON_CONFIG: &str = "
# pg-provision test harness
listen_addresses = '127.0.0.1'
fsync = off
full_page_writes = off
password_encryption = 'scram-sha-256'
max_connections = 50
";

/// One initdb per test process: a data directory every cluster copies. Its
/// superuser password is replaced by each cluster's own after start-up.
fn template_data_dir(bin_dir: &Path, major: u32) -> &'static Path {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = TEMPLATE.get_or_init(|| {
        // Kept for the life of the process; a later process reaps it.
        let root = new_owned_dir("t", bin_dir).keep();
        let pwfile = root.join("pwfile");
        fs::write(&pwfile, format!("{}\n", os::random_hex(16))).expect("write pwfile");
        os::give_to_server_user(&root);
        let data = root.join("data");
        let out = os::server_command(&bin_dir.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-E",
                "UTF8",
                "--locale=C",
                "-U",
                SUPERUSER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
                "--no-instructions",
                // 1 MB WAL segments instead of 16: less to write and to copy.
                "--wal-segsize=1",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            // A fixed TZ spares initdb probing the system time zone.
            .env("TZ", "UTC")
            .current_dir(&root)
            .output()
            .expect("run initdb");
        let _ = fs::remove_file(&pwfile);
        if !out.status.success() {
            return Err(format!(
                "initdb (PostgreSQL {major}, {}) failed:\n{}{}",
                bin_dir.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        append_config(&data, COMMON_CONFIG);
        Ok(data)
    });
    match result {
        Ok(data) => data,
        Err(message) => panic!("{message}"),
    }
}

/// Options for [`Cluster::start_with`].
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// `ssl=on` with a certificate for 127.0.0.1/localhost signed by a fresh CA
    /// ([`Cluster::ca_cert`]). Plain TCP connections stay allowed.
    pub tls: bool,
}

/// A running throwaway cluster. See the module docs.
pub struct Cluster {
    major: u32,
    bin_dir: PathBuf,
    port: u16,
    password: String,
    data_dir: PathBuf,
    log_file: PathBuf,
    ca_cert: Option<PathBuf>,
    running: bool,
    // Last field: removed after Drop::drop has stopped the server.
    dir: Option<tempfile::TempDir>,
}

impl Cluster {
    /// Start a cluster of [`test_major`] without TLS.
    pub fn start() -> Cluster {
        Cluster::start_with(ClusterOptions::default())
    }

    /// Start a cluster of [`test_major`]. Panics with a clear message (and the
    /// server log's tail) when anything fails; a missing server is a failure.
    pub fn start_with(opts: ClusterOptions) -> Cluster {
        let major = test_major();
        let bin_dir = resolve_bin_dir(major);
        check_binaries(&bin_dir, major);
        reap_orphans();

        let template = template_data_dir(&bin_dir, major);

        let dir = new_owned_dir("c", &bin_dir);
        let root = dir.path().to_path_buf();
        let mut cluster = Cluster {
            major,
            bin_dir,
            port: 0,
            password: os::random_hex(16),
            data_dir: root.join("data"),
            log_file: root.join("server.log"),
            ca_cert: None,
            running: false,
            dir: Some(dir),
        };

        // A copy of the per-process template is much cheaper than initdb.
        let out = Command::new("cp")
            .arg("-a")
            .arg(template)
            .arg(&cluster.data_dir)
            .output()
            .expect("run cp");
        assert!(
            out.status.success(),
            "cp -a {} {}: {}",
            template.display(),
            cluster.data_dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let tls = opts.tls.then(|| tls::generate(&root.join("tls")));
        os::give_to_server_user(&root);
        cluster.write_config(tls.as_ref());
        cluster.ca_cert = tls.map(|t| t.ca_cert);

        for attempt in 1..=PORT_ATTEMPTS {
            cluster.port = free_port();
            append_config(&cluster.data_dir, &format!("port = {}\n", cluster.port));
            match cluster.pg_ctl_start() {
                Ok(()) => {
                    cluster.set_superuser_password();
                    return cluster;
                }
                Err(message) => {
                    let port_taken = os::tail(&cluster.log_file, LOG_TAIL_LINES)
                        .contains("Address already in use");
                    if !(port_taken && attempt < PORT_ATTEMPTS) {
                        panic!("{message}");
                    }
                }
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// The PostgreSQL major of this cluster.
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Always `127.0.0.1`.
    pub fn host(&self) -> &str {
        HOST
    }

    /// Always `postgres`.
    pub fn superuser(&self) -> &str {
        SUPERUSER
    }

    /// The superuser's random password (stored as a SCRAM-SHA-256 verifier).
    pub fn superuser_password(&self) -> &str {
        &self.password
    }

    /// `postgres://user:password@127.0.0.1:port/db`, every part percent-encoded.
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "postgres://{}:{}@{HOST}:{}/{}",
            os::percent_encode(user),
            os::percent_encode(password),
            self.port,
            os::percent_encode(db)
        )
    }

    /// [`Cluster::url`] for the superuser.
    pub fn superuser_url(&self, db: &str) -> String {
        self.url(SUPERUSER, &self.password, db)
    }

    /// A superuser connection over TCP without TLS.
    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.superuser_url(db), postgres::NoTls).unwrap_or_else(|e| {
            panic!(
                "connect as {SUPERUSER} to database {db:?} on {HOST}:{}: {e}\nserver log:\n{}",
                self.port,
                self.log_tail()
            )
        })
    }

    /// `CREATE DATABASE "name"` as the superuser.
    pub fn create_database(&self, name: &str) {
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        self.client("postgres")
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The PEM file of the CA that signed the server certificate (TLS clusters).
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// The directory holding `postgres`, `initdb` and `pg_ctl`.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The last lines of the server log (kept across restarts).
    pub fn log_tail(&self) -> String {
        os::tail(&self.log_file, LOG_TAIL_LINES)
    }

    /// The whole server log so far (kept across restarts).
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&fs::read(&self.log_file).unwrap_or_default()).into_owned()
    }

    /// `pg_ctl stop -m immediate`. Idempotent; also done on drop.
    pub fn stop(&mut self) {
        if let Err(message) = self.stop_inner() {
            panic!("{message}");
        }
    }

    /// Start the stopped server again on the same data dir and port (stops it
    /// first if it is running). Panics if the port was taken meanwhile.
    pub fn start_again(&mut self) {
        self.stop();
        if let Err(message) = self.pg_ctl_start() {
            panic!("{message}");
        }
    }

    /// A psql command (the Debian client) connected as the superuser to `db`
    /// over TCP, with `-X -q -A -t -v ON_ERROR_STOP=1` and the password in
    /// PGPASSWORD. Add `-c SQL`, `-f FILE` or PGSSL* env vars as needed.
    pub fn psql_command(&self, db: &str) -> Command {
        self.psql_command_as(SUPERUSER, &self.password, db)
    }

    /// [`Cluster::psql_command`] for another role.
    pub fn psql_command_as(&self, user: &str, password: &str, db: &str) -> Command {
        let conninfo = format!(
            "host={HOST} port={} user={} dbname={}",
            self.port,
            conf_quote(user),
            conf_quote(db)
        );
        let mut cmd = Command::new(psql_program());
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(conninfo);
        for var in [
            "PGSERVICE",
            "PGSERVICEFILE",
            "PGSSLMODE",
            "PGSSLROOTCERT",
            "PGOPTIONS",
            "PGHOSTADDR",
            "PGPASSFILE",
            "PSQLRC",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null());
        cmd
    }

    /// Run `sql` (fed on stdin; several statements allowed) through psql as the
    /// superuser. Output is unaligned and tuples-only: `SELECT 1` prints `1\n`.
    pub fn psql(&self, db: &str, sql: &str) -> Output {
        self.psql_as(SUPERUSER, &self.password, db, sql)
    }

    /// [`Cluster::psql`] as another role.
    pub fn psql_as(&self, user: &str, password: &str, db: &str, sql: &str) -> Output {
        let mut child = self
            .psql_command_as(user, password, db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run psql ({e}); run scripts/setup"));
        let mut stdin = child.stdin.take().expect("psql stdin");
        let sql = sql.to_string();
        let writer = std::thread::spawn(move || {
            // psql may exit early (ON_ERROR_STOP); a broken pipe is fine then.
            let _ = stdin.write_all(sql.as_bytes());
        });
        let out = child.wait_with_output().expect("wait for psql");
        let _ = writer.join();
        out
    }

    /// Replace the template's superuser password by this cluster's own, over
    /// the unix socket (trust).
    fn set_superuser_password(&self) {
        let mut config = postgres::Config::new();
        config
            .host_path(self.root())
            .port(self.port)
            .user(SUPERUSER)
            .dbname("postgres");
        let sql = format!("ALTER ROLE {SUPERUSER} PASSWORD '{}'", self.password);
        config
            .connect(postgres::NoTls)
            .and_then(|mut c| c.batch_execute(&sql))
            .unwrap_or_else(|e| {
                panic!(
                    "set the superuser password over the unix socket in {}: {e}\n--- server log tail ---\n{}",
                    self.root().display(),
                    self.log_tail()
                )
            });
    }

    fn write_config(&self, tls: Option<&tls::TlsFiles>) {
        let mut conf = format!(
            "unix_socket_directories = {}\n",
            conf_quote(&self.root().display().to_string())
        );
        if let Some(tls) = tls {
            conf.push_str(&format!(
                "ssl = on\nssl_cert_file = {}\nssl_key_file = {}\n",
                conf_quote(&tls.server_cert.display().to_string()),
                conf_quote(&tls.server_key.display().to_string()),
            ));
        }
        append_config(&self.data_dir, &conf);
    }

    fn pg_ctl(&self) -> Command {
        let mut cmd = os::server_command(&self.bin_dir.join("pg_ctl"));
        cmd.arg("-D").arg(&self.data_dir).current_dir(self.root());
        cmd
    }

    fn pg_ctl_start(&mut self) -> Result<(), String> {
        let out = self
            .pg_ctl()
            .arg("-l")
            .arg(&self.log_file)
            .args(["-w", "-t", PG_CTL_TIMEOUT, "-s", "start"])
            .output()
            .expect("run pg_ctl start");
        if out.status.success() {
            self.running = true;
            return Ok(());
        }
        // It may be up after all (e.g. the wait timed out); make sure it is not.
        self.running = true;
        let _ = self.stop_inner();
        Err(format!(
            "PostgreSQL {} failed to start on {HOST}:{} (data dir {}): {}{}\n--- server log tail ---\n{}",
            self.major,
            self.port,
            self.data_dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        ))
    }

    fn stop_inner(&mut self) -> Result<(), String> {
        if !self.running {
            return Ok(());
        }
        let out = self
            .pg_ctl()
            .args(["-m", "immediate", "-w", "-t", PG_CTL_TIMEOUT, "-s", "stop"])
            .output()
            .map_err(|e| format!("run pg_ctl stop: {e}"))?;
        // Also fine: the server was not running any more (no postmaster.pid).
        if out.status.success() || !self.data_dir.join("postmaster.pid").exists() {
            self.running = false;
            return Ok(());
        }
        Err(format!(
            "pg_ctl stop -m immediate (data dir {}) failed: {}{}",
            self.data_dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    fn root(&self) -> &Path {
        self.dir.as_ref().expect("cluster dir").path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(message) = self.stop_inner() {
            eprintln!("warning: {message}");
        }
        if std::env::var_os("PG_PROVISION_TEST_KEEP").is_some() {
            if let Some(dir) = self.dir.take() {
                let _ = fs::write(dir.path().join("kept"), "");
                eprintln!("PG_PROVISION_TEST_KEEP: kept {}", dir.keep().display());
            }
        }
    }
}

/// The Debian psql (talks to every major; the npm builds ship none).
fn psql_program() -> PathBuf {
    let debian = Path::new("/usr/lib/postgresql/15/bin/psql");
    if debian.exists() {
        debian.to_path_buf()
    } else {
        PathBuf::from("psql")
    }
}
