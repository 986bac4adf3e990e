//! Tests of configuration resolution, with injected environment and a
//! temporary home directory.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use super::*;
use crate::client::{sign::SignatureAlgorithm, Credentials, HttpMethod, TlsConfig};

/// A temporary home (`home/`), working directory (`work/`) and environment.
struct World {
    _dir: TempDir,
    home: PathBuf,
    cwd: PathBuf,
    vars: HashMap<String, String>,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let cwd = dir.path().join("work");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&cwd).unwrap();
        Self {
            _dir: dir,
            home,
            cwd,
            vars: HashMap::new(),
        }
    }

    fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_string(), value.to_string());
        self
    }

    fn sources(&self) -> Sources {
        let vars = self.vars.clone();
        Sources {
            env: Box::new(move |name| vars.get(name).cloned()),
            config_dir: Some(self.home.join(".config")),
            home_dir: Some(self.home.clone()),
            cwd: self.cwd.clone(),
        }
    }

    fn own_path(&self) -> PathBuf {
        self.home.join(".config/csctl/config.toml")
    }

    /// Writes csctl's config file, private (0600).
    fn own(&self, text: &str) -> PathBuf {
        let path = self.own_path();
        write(&path, text, 0o600);
        path
    }

    /// Writes `~/.cmk/config` (in a private directory, as cmk creates it).
    fn cmk(&self, text: &str) -> PathBuf {
        let path = self.home.join(".cmk/config");
        write(&path, text, 0o644);
        set_mode(path.parent().unwrap(), 0o700);
        path
    }

    fn file(&self, path: &Path, text: &str) -> PathBuf {
        write(path, text, 0o600);
        path.to_path_buf()
    }

    fn resolve(&self, overrides: &Overrides) -> Result<Resolved, ConfigError> {
        resolve(overrides, &self.sources())
    }

    fn ok(&self) -> Resolved {
        self.resolve(&Overrides::default()).unwrap()
    }

    fn err(&self) -> String {
        self.resolve(&Overrides::default()).unwrap_err().to_string()
    }
}

fn write(path: &Path, text: &str, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    set_mode(path, mode);
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

fn api_key(resolved: &Resolved) -> (String, String) {
    match &resolved.client.credentials {
        Credentials::ApiKey {
            api_key,
            secret_key,
        } => (api_key.clone(), secret_key.clone()),
        other => panic!("expected API key credentials, got {other:?}"),
    }
}

const PROD: &str = r#"
default_profile = "prod"

[profiles.prod]
endpoint = "https://prod.example.com/client/api"
api_key = "prod-key"
secret_key = "prod-secret"

[profiles.lab]
endpoint = "http://lab.example.com:8080/client/api"
api_key = "lab-key"
secret_key = "lab-secret"
method = "get"
"#;

// ---------------------------------------------------------------------------
// csctl's own file

#[test]
fn own_default_profile_and_defaults() {
    let world = World::new();
    let path = world.own(PROD);
    let resolved = world.ok();
    assert_eq!(resolved.profile_name.as_deref(), Some("prod"));
    assert_eq!(
        resolved.client.endpoint,
        "https://prod.example.com/client/api"
    );
    assert_eq!(
        api_key(&resolved),
        ("prod-key".into(), "prod-secret".into())
    );
    assert_eq!(
        resolved.client.signature_algorithm,
        SignatureAlgorithm::Sha1
    );
    assert_eq!(resolved.client.method, HttpMethod::Post);
    assert_eq!(resolved.client.timeout, Duration::from_secs(60));
    assert_eq!(resolved.client.connect_timeout, Duration::from_secs(10));
    assert_eq!(resolved.client.expires, Some(Duration::from_secs(600)));
    assert_eq!(resolved.client.tls, TlsConfig::default());
    assert_eq!(resolved.client.max_requests_per_second, None);
    assert_eq!(
        resolved.origin,
        format!("profile `prod` in {}", path.display())
    );
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
}

#[test]
fn profile_named_default_is_used_without_default_profile() {
    let world = World::new();
    world.own(
        r#"
[profiles.other]
endpoint = "https://other.example.com/client/api"
[profiles.default]
endpoint = "https://default.example.com/client/api"
api_key = "k"
secret_key = "s"
"#,
    );
    let resolved = world.ok();
    assert_eq!(resolved.profile_name.as_deref(), Some("default"));
    assert_eq!(
        resolved.client.endpoint,
        "https://default.example.com/client/api"
    );
}

#[test]
fn profile_flag_beats_csctl_profile_env_beats_default_profile() {
    let world = World::new().var("CSCTL_PROFILE", "lab");
    world.own(PROD);
    let resolved = world.ok();
    assert_eq!(resolved.profile_name.as_deref(), Some("lab"));
    assert_eq!(resolved.client.method, HttpMethod::Get);

    let overrides = Overrides {
        profile: Some("prod".into()),
        ..Overrides::default()
    };
    let resolved = world.resolve(&overrides).unwrap();
    assert_eq!(resolved.profile_name.as_deref(), Some("prod"));
}

#[test]
fn every_profile_key() {
    let world = World::new();
    world.file(&world.home.join(".config/csctl/ca.pem"), "PEM");
    world.own(
        r#"
default_profile = "full"
[profiles.full]
endpoint = "https://full.example.com/client/api"
api_key = "k"
secret_key = "s"
username = "admin"
password = "pw"
domain = "/acme"
signature_algorithm = "sha512"
method = "GET"
timeout = "90s"
connect_timeout = 2.5
expires = 120
insecure = true
ca_bundle = "ca.pem"
max_requests_per_second = 4
"#,
    );
    let client = world.ok().client;
    // API keys win over username/password.
    assert!(matches!(client.credentials, Credentials::ApiKey { .. }));
    assert_eq!(client.signature_algorithm, SignatureAlgorithm::Sha512);
    assert_eq!(client.method, HttpMethod::Get);
    assert_eq!(client.timeout, Duration::from_secs(90));
    assert_eq!(client.connect_timeout, Duration::from_millis(2500));
    assert_eq!(client.expires, Some(Duration::from_secs(120)));
    assert!(client.tls.insecure);
    assert_eq!(
        client.tls.ca_bundle,
        Some(world.home.join(".config/csctl/ca.pem"))
    );
    assert_eq!(client.max_requests_per_second, Some(4.0));
}

#[test]
fn expires_can_be_turned_off() {
    for (value, expected) in [
        ("0", None),
        ("false", None),
        ("\"off\"", None),
        ("\"0\"", None),
        ("true", Some(Duration::from_secs(600))),
        ("\"15m\"", Some(Duration::from_secs(900))),
        ("300", Some(Duration::from_secs(300))),
    ] {
        let world = World::new();
        world.own(&format!(
            "[profiles.default]\nendpoint = \"https://c.example.com/client/api\"\napi_key = \"k\"\nsecret_key = \"s\"\nexpires = {value}\n"
        ));
        assert_eq!(world.ok().client.expires, expected, "expires = {value}");
    }
}

#[test]
fn password_login() {
    let world = World::new();
    world.own(
        r#"
[profiles.default]
endpoint = "https://c.example.com/client/api"
username = "alice"
password = "pw"
"#,
    );
    match world.ok().client.credentials {
        Credentials::Password {
            username,
            password,
            domain,
        } => {
            assert_eq!(username, "alice");
            assert_eq!(password, "pw");
            assert_eq!(domain, "/");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_config_file_is_fine() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api")
        .var("CLOUDSTACK_KEY", "k")
        .var("CLOUDSTACK_SECRET", "s");
    world.own("");
    let resolved = world.ok();
    assert_eq!(resolved.profile_name, None);
    assert_eq!(
        resolved.client.endpoint,
        "https://env.example.com/client/api"
    );
}

#[test]
fn explicit_config_must_exist_default_may_be_missing() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api")
        .var("CLOUDSTACK_KEY", "k")
        .var("CLOUDSTACK_SECRET", "s");
    assert!(world.resolve(&Overrides::default()).is_ok());

    let overrides = Overrides {
        config_file: Some("missing.toml".into()),
        ..Overrides::default()
    };
    let error = world.resolve(&overrides).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }), "{error:?}");
    let missing = world.cwd.join("missing.toml");
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot read config file {}:", missing.display())),
        "{error}"
    );

    let world = world.var("CSCTL_CONFIG", "/nonexistent/csctl.toml");
    assert!(matches!(
        world.resolve(&Overrides::default()),
        Err(ConfigError::Read { .. })
    ));
}

#[test]
fn config_flag_selects_another_file() {
    let world = World::new();
    world.own(PROD);
    let other = world.file(
        &world.cwd.join("ci.toml"),
        "[profiles.default]\nendpoint = \"https://ci.example.com/client/api\"\napi_key = \"k\"\nsecret_key = \"s\"\n",
    );
    let overrides = Overrides {
        config_file: Some("ci.toml".into()),
        ..Overrides::default()
    };
    let resolved = world.resolve(&overrides).unwrap();
    assert_eq!(
        resolved.client.endpoint,
        "https://ci.example.com/client/api"
    );
    assert_eq!(
        resolved.origin,
        format!("profile `default` in {}", other.display())
    );
}

#[test]
fn bad_toml_names_file_line_and_column() {
    let world = World::new();
    let path =
        world.own("[profiles.default]\nendpoint = \"https://c.example.com\"\ntimeout = \"soon\"\n");
    let message = world.err();
    assert!(
        message.starts_with(&format!(
            "cannot parse config file {}: line 3, column 11:",
            path.display()
        )),
        "{message}"
    );
    assert!(message.contains("`soon` is not a duration"), "{message}");

    world.own("[profiles.default\nendpoint = 1\n");
    let message = world.err();
    assert!(message.contains(": line 1, column "), "{message}");

    world.own("[profiles.default]\nsecretkey = \"s\"\n");
    let message = world.err();
    assert!(
        message.contains("line 2, column 1: unknown field `secretkey`"),
        "{message}"
    );
    assert!(!message.contains('\n'));

    world.own("[profiles.default]\nendpoint = \"cloud.example.com\"\n");
    let message = world.err();
    assert!(
        message.contains("line 2, column 12: `cloud.example.com` is not an http"),
        "{message}"
    );

    world.own("[prod]\nendpoint = \"https://c.example.com\"\n");
    assert!(world.err().ends_with(
        "line 1, column 2: unknown field `prod`, expected `default_profile` or `profiles` (profiles are tables named [profiles.NAME])"
    ));

    world.own("[profiles.default]\nsignature_algorithm = \"md5\"\n");
    assert!(world.err().contains("unknown signature algorithm `md5`"));

    world.own("[profiles.default]\ntimeout = 0\n");
    assert!(world.err().contains("a timeout must be greater than zero"));
}

#[cfg(unix)]
#[test]
fn unreadable_config_file_is_an_error() {
    let world = World::new();
    let path = world.own(PROD);
    set_mode(&path, 0o000);
    if fs::read(&path).is_ok() {
        return; // running as root: permissions are not enforced
    }
    let error = world.resolve(&Overrides::default()).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }));
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("ermission denied"), "{message}");
}

#[test]
fn config_path_that_is_a_directory_is_an_error() {
    // Works even as root, where file permissions are not enforced.
    let world = World::new();
    fs::create_dir_all(world.own_path()).unwrap();
    let error = world.resolve(&Overrides::default()).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }), "{error:?}");
    assert!(error
        .to_string()
        .contains(&world.own_path().display().to_string()));
}

#[test]
fn bad_ini_names_file_line_and_column() {
    let world = World::new();
    let path = world.cmk("profile = p\n[p\nurl = x\n");
    let message = world.err();
    assert!(
        message.starts_with(&format!(
            "cannot parse config file {}: line ",
            path.display()
        )),
        "{message}"
    );
}

#[test]
fn secret_and_secret_command_together_are_rejected() {
    let world = World::new();
    world.own("[profiles.default]\nsecret_key = \"s\"\nsecret_command = \"echo s\"\n");
    assert!(world
        .err()
        .contains("invalid `secret_command` in profile `default`"));
}

// ---------------------------------------------------------------------------
// Precedence: flags > environment > profile > defaults, per field

#[test]
fn precedence_per_field() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api")
        .var("CLOUDSTACK_KEY", "env-key")
        .var("CLOUDSTACK_TIMEOUT", "30")
        .var("CLOUDSTACK_METHOD", "get");
    let path = world.own(PROD);

    // env over profile, per field: the secret still comes from the profile.
    let resolved = world.ok();
    assert_eq!(
        resolved.client.endpoint,
        "https://env.example.com/client/api"
    );
    assert_eq!(api_key(&resolved), ("env-key".into(), "prod-secret".into()));
    assert_eq!(resolved.client.timeout, Duration::from_secs(30));
    assert_eq!(resolved.client.method, HttpMethod::Get);
    assert_eq!(
        resolved.origin,
        format!(
            "profile `prod` in {}, with endpoint from $CLOUDSTACK_ENDPOINT and credentials from $CLOUDSTACK_KEY and profile `prod` in {}",
            path.display(),
            path.display()
        )
    );

    // flags over env.
    let overrides = Overrides {
        endpoint: Some("https://flag.example.com/client/api".into()),
        api_key: Some("flag-key".into()),
        secret_key: Some("flag-secret".into()),
        timeout: Some(Duration::from_secs(5)),
        method: Some(HttpMethod::Post),
        insecure: true,
        verbosity: 2,
        ..Overrides::default()
    };
    let resolved = world.resolve(&overrides).unwrap();
    assert_eq!(
        resolved.client.endpoint,
        "https://flag.example.com/client/api"
    );
    assert_eq!(
        api_key(&resolved),
        ("flag-key".into(), "flag-secret".into())
    );
    assert_eq!(resolved.client.timeout, Duration::from_secs(5));
    assert_eq!(resolved.client.method, HttpMethod::Post);
    assert!(resolved.client.tls.insecure);
    assert_eq!(resolved.client.verbosity, 2);
}

/// A flag hides the environment's value of its setting, even an invalid
/// one, and the warning about its two variables; the endpoint of the
/// environment is checked (and warned about) even beside `--endpoint`.
#[test]
fn flags_hide_the_environment_value_of_their_setting_except_the_endpoint() {
    let world = World::new()
        .var("CLOUDSTACK_KEY", "env-key")
        .var("CLOUDSTACK_API_KEY", "other-key")
        .var("CLOUDSTACK_SECRET", "s")
        .var("CLOUDSTACK_TIMEOUT", "never")
        .var("CLOUDSTACK_METHOD", "put")
        .var("CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY", "maybe");
    let overrides = Overrides {
        endpoint: Some("https://flag.example.com/client/api".into()),
        api_key: Some("flag-key".into()),
        timeout: Some(Duration::from_secs(5)),
        method: Some(HttpMethod::Get),
        insecure: true,
        ..Overrides::default()
    };
    let resolved = world.resolve(&overrides).unwrap();
    assert_eq!(resolved.client.timeout, Duration::from_secs(5));
    assert_eq!(resolved.client.method, HttpMethod::Get);
    assert!(resolved.client.tls.insecure);
    assert_eq!(
        resolved.warnings,
        vec![
            "--insecure: the TLS certificate of flag.example.com is not verified; a server \
             impersonating it would receive your signed requests"
                .to_string()
        ]
    );

    let world = world
        .var("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api")
        .var("CLOUDSTACK_API_URL", "https://tf.example.com/client/api");
    let resolved = world.resolve(&overrides).unwrap();
    assert_eq!(
        resolved.warnings[0],
        "$CLOUDSTACK_ENDPOINT (`https://env.example.com/client/api`) and $CLOUDSTACK_API_URL \
         (`https://tf.example.com/client/api`) differ; using $CLOUDSTACK_ENDPOINT"
    );
    let world = world.var("CLOUDSTACK_ENDPOINT", "ftp://x");
    assert!(world
        .resolve(&overrides)
        .unwrap_err()
        .to_string()
        .starts_with("invalid `endpoint` in $CLOUDSTACK_ENDPOINT: `ftp://x` is not"));
}

#[test]
fn environment_only_cs_names() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api")
        .var("CLOUDSTACK_KEY", "k")
        .var("CLOUDSTACK_SECRET", "s");
    let resolved = world.ok();
    assert_eq!(resolved.profile_name, None);
    assert_eq!(api_key(&resolved), ("k".into(), "s".into()));
    assert_eq!(
        resolved.origin,
        "endpoint from $CLOUDSTACK_ENDPOINT, credentials from $CLOUDSTACK_KEY and $CLOUDSTACK_SECRET"
    );
}

#[test]
fn environment_only_terraform_names() {
    let world = World::new()
        .var("CLOUDSTACK_API_URL", "https://tf.example.com/client/api")
        .var("CLOUDSTACK_API_KEY", "tf-key")
        .var("CLOUDSTACK_SECRET_KEY", "tf-secret");
    let resolved = world.ok();
    assert_eq!(
        resolved.client.endpoint,
        "https://tf.example.com/client/api"
    );
    assert_eq!(api_key(&resolved), ("tf-key".into(), "tf-secret".into()));
    assert!(resolved.warnings.is_empty());
}

#[test]
fn cs_names_win_over_terraform_names_with_a_warning() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://cs.example.com/client/api")
        .var("CLOUDSTACK_API_URL", "https://tf.example.com/client/api")
        .var("CLOUDSTACK_KEY", "cs-key")
        .var("CLOUDSTACK_API_KEY", "cs-key")
        .var("CLOUDSTACK_SECRET", "cs-secret")
        .var("CLOUDSTACK_SECRET_KEY", "tf-secret");
    let resolved = world.ok();
    assert_eq!(
        resolved.client.endpoint,
        "https://cs.example.com/client/api"
    );
    assert_eq!(api_key(&resolved), ("cs-key".into(), "cs-secret".into()));
    assert_eq!(
        resolved.warnings,
        vec![
            "$CLOUDSTACK_ENDPOINT (`https://cs.example.com/client/api`) and $CLOUDSTACK_API_URL (`https://tf.example.com/client/api`) differ; using $CLOUDSTACK_ENDPOINT".to_string(),
            "$CLOUDSTACK_SECRET and $CLOUDSTACK_SECRET_KEY differ; using $CLOUDSTACK_SECRET".to_string(),
        ]
    );
}

#[test]
fn tls_from_environment() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api")
        .var("CLOUDSTACK_KEY", "k")
        .var("CLOUDSTACK_SECRET", "s")
        .var("CLOUDSTACK_VERIFY", "false");
    assert!(world.ok().client.tls.insecure);

    let world = world.var("CLOUDSTACK_VERIFY", "ca.pem");
    assert!(world
        .err()
        .starts_with("invalid `ca_bundle` in $CLOUDSTACK_VERIFY:"));
    world.file(&world.cwd.join("ca.pem"), "PEM");
    let tls = world.ok().client.tls;
    assert!(!tls.insecure);
    assert_eq!(tls.ca_bundle, Some(world.cwd.join("ca.pem")));

    let world = world.var("CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY", "yes");
    assert!(world.ok().client.tls.insecure);

    let world = world.var("CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY", "maybe");
    assert_eq!(
        world.err(),
        "invalid `insecure` in $CLOUDSTACK_DANGEROUS_NO_TLS_VERIFY: `maybe` is not true or false"
    );
}

#[test]
fn invalid_environment_values() {
    let base = World::new()
        .var("CLOUDSTACK_KEY", "k")
        .var("CLOUDSTACK_SECRET", "s");
    let world = base.var("CLOUDSTACK_ENDPOINT", "ftp://x");
    assert!(world
        .err()
        .starts_with("invalid `endpoint` in $CLOUDSTACK_ENDPOINT: `ftp://x` is not"));
    let world = world
        .var("CLOUDSTACK_ENDPOINT", "https://e.example.com/client/api")
        .var("CLOUDSTACK_TIMEOUT", "never");
    assert!(world
        .err()
        .starts_with("invalid `timeout` in $CLOUDSTACK_TIMEOUT:"));
    let world = world
        .var("CLOUDSTACK_TIMEOUT", "10")
        .var("CLOUDSTACK_HTTP_GET_ONLY", "true");
    assert_eq!(world.ok().client.method, HttpMethod::Get);
}

// ---------------------------------------------------------------------------
// Missing things

/// What follows the places looked at when no endpoint is configured.
const SIM_HINT: &str = "\n  hint: to try csctl without a cloud, add --sim (the embedded simulator), e.g. `csctl call listZones --sim`";

#[test]
fn missing_endpoint_lists_every_place() {
    let world = World::new();
    let own = world.own_path();
    let home = &world.home;
    assert_eq!(
        world.err(),
        format!(
            "no API endpoint configured; looked at: --endpoint, $CLOUDSTACK_ENDPOINT, $CLOUDSTACK_API_URL, \
             {} (not found), {} (not found), {} (not found), {} (not found){SIM_HINT}",
            own.display(),
            home.join(".cmk/config").display(),
            world.cwd.join("cloudstack.ini").display(),
            home.join(".cloudstack.ini").display(),
        )
    );

    // With a selected profile that has no endpoint, the profile is named.
    world.own("[profiles.default]\napi_key = \"k\"\n");
    assert_eq!(
        world.err(),
        format!(
            "no API endpoint configured; looked at: --endpoint, $CLOUDSTACK_ENDPOINT, $CLOUDSTACK_API_URL, profile `default` in {}{SIM_HINT}",
            own.display()
        )
    );
}

#[test]
fn missing_credentials_lists_every_place() {
    let world = World::new().var("CLOUDSTACK_ENDPOINT", "https://e.example.com/client/api");
    let error = world.resolve(&Overrides::default()).unwrap_err();
    assert!(matches!(error, ConfigError::MissingCredentials { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "no credentials configured (an API key and secret key, or a username and password); looked at: \
             --api-key/--secret-key, $CLOUDSTACK_KEY/$CLOUDSTACK_SECRET, $CLOUDSTACK_API_KEY/$CLOUDSTACK_SECRET_KEY, \
             {} (not found), ~/.cmk/config and cloudstack.ini (not consulted because the endpoint comes from \
             $CLOUDSTACK_ENDPOINT; choose a profile with -p)",
            world.own_path().display()
        )
    );
}

#[test]
fn incomplete_credentials_say_what_is_missing() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://e.example.com/client/api")
        .var("CLOUDSTACK_API_KEY", "k");
    let message = world.err();
    assert!(
        message.starts_with("found an API key (from $CLOUDSTACK_API_KEY) but no secret key; looked at: --api-key/--secret-key,"),
        "{message}"
    );

    let world = World::new();
    world.own("[profiles.default]\nendpoint = \"https://e.example.com\"\nusername = \"u\"\n");
    assert!(world
        .err()
        .starts_with("found a username (from profile `default` in "));
}

#[test]
fn own_profiles_without_default_do_not_fall_back_to_other_tools() {
    let world = World::new();
    world.own(
        "[profiles.a]\nendpoint = \"https://a.example.com\"\n[profiles.b]\nendpoint = \"https://b.example.com\"\n",
    );
    world.cmk("profile = local\n\n[local]\nurl = http://localhost:8080/client/api\napikey = k\nsecretkey = s\n");
    let message = world.err();
    assert!(
        message.contains("(profiles a, b but no default_profile and no profile named `default`; choose one with -p)\n"),
        "{message}"
    );
}

#[test]
fn unknown_profile_lists_profiles_and_files() {
    let world = World::new();
    world.own(PROD);
    let cmk = world.cmk("[local]\nurl = http://localhost:8080/client/api\n");
    let overrides = Overrides {
        profile: Some("nope".into()),
        ..Overrides::default()
    };
    let error = world.resolve(&overrides).unwrap_err();
    match &error {
        ConfigError::UnknownProfile {
            name, available, ..
        } => {
            assert_eq!(name, "nope");
            assert_eq!(available, &["lab", "prod", "local"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        format!(
            "unknown profile `nope`; available: lab, prod, local; looked in: {}, {}, {} (not found), {} (not found)",
            world.own_path().display(),
            cmk.display(),
            world.cwd.join("cloudstack.ini").display(),
            world.home.join(".cloudstack.ini").display()
        )
    );

    // A default_profile that does not exist is reported the same way.
    world.own("default_profile = \"gone\"\n");
    assert!(world
        .err()
        .starts_with("unknown profile `gone`; available: local;"));
}

// ---------------------------------------------------------------------------
// cloudmonkey

const CMK: &str = "\
prompt = 🐱
asyncblock = true
timeout = 1800
output = json
verifycert = false
profile = prod
autocomplete = true

[localcloud]
url = http://localhost:8080/client/api
username = admin
password = password
domain = /
apikey =
secretkey =

[prod]
url = https://prod.example.com/client/api
username =
password =
domain = /
apikey = \"cmk-key\"
secretkey = cmk-secret#with;chars
signaturealgorithm = HmacSHA512
";

#[test]
fn cmk_current_profile_is_used_without_csctl_config() {
    let world = World::new();
    let path = world.cmk(CMK);
    let resolved = world.ok();
    assert_eq!(resolved.profile_name.as_deref(), Some("prod"));
    assert_eq!(
        resolved.origin,
        format!("cmk profile `prod` in {}", path.display())
    );
    assert_eq!(
        resolved.client.endpoint,
        "https://prod.example.com/client/api"
    );
    assert_eq!(
        api_key(&resolved),
        ("cmk-key".into(), "cmk-secret#with;chars".into())
    );
    assert_eq!(
        resolved.client.signature_algorithm,
        SignatureAlgorithm::Sha512
    );
    assert_eq!(resolved.client.timeout, Duration::from_secs(1800));
    assert!(resolved.client.tls.insecure);
    // ~/.cmk is private, so its 0644 file draws no warning; verification
    // turned off in the profile does (issue 21: by any route).
    assert_eq!(
        resolved.warnings,
        [format!(
            "TLS verification is off (cmk profile `prod` in {}): the TLS certificate of \
             prod.example.com is not verified; a server impersonating it would receive your \
             signed requests",
            path.display()
        )]
    );
}

#[test]
fn cmk_profile_by_name_with_password_login() {
    let world = World::new();
    world.cmk(CMK);
    let overrides = Overrides {
        profile: Some("localcloud".into()),
        ..Overrides::default()
    };
    let resolved = world.resolve(&overrides).unwrap();
    match resolved.client.credentials {
        Credentials::Password {
            username,
            password,
            domain,
        } => assert_eq!(
            (username.as_str(), password.as_str(), domain.as_str()),
            ("admin", "password", "/")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(resolved.client.endpoint, "http://localhost:8080/client/api");
}

#[test]
fn cmk_signature_auto_is_sha1_with_a_note() {
    let world = World::new();
    world.cmk("profile = p\n[p]\nurl = https://p.example.com\napikey = k\nsecretkey = s\nsignaturealgorithm = auto\n");
    let resolved = world.ok();
    assert_eq!(
        resolved.client.signature_algorithm,
        SignatureAlgorithm::Sha1
    );
    assert_eq!(resolved.warnings.len(), 1);
    assert!(resolved.warnings[0].contains("signaturealgorithm = auto"));
}

#[test]
fn cmk_bad_values_are_reported() {
    let world = World::new();
    world.cmk("profile = p\n[p]\nurl = https://p.example.com\napikey = k\nsecretkey = s\nverifycert = sometimes\n");
    assert!(world
        .err()
        .starts_with("invalid `verifycert` in cmk profile `p` in "));
}

#[test]
fn env_endpoint_keeps_other_tools_out() {
    let world = World::new()
        .var("CLOUDSTACK_ENDPOINT", "https://env.example.com/client/api")
        .var("CLOUDSTACK_KEY", "k")
        .var("CLOUDSTACK_SECRET", "s");
    world.cmk(CMK);
    let resolved = world.ok();
    assert_eq!(resolved.profile_name, None);
    assert!(!resolved.client.tls.insecure);
    assert_eq!(resolved.client.timeout, Duration::from_secs(60));
}

// ---------------------------------------------------------------------------
// cs

#[test]
fn cs_region_cloudstack_from_home_ini() {
    let world = World::new();
    let path = world.file(
        &world.home.join(".cloudstack.ini"),
        "[DEFAULT]\ntimeout = 25\n\n[cloudstack]\nendpoint = https://cs.example.com/compute\nkey = cs-key\nsecret = cs%%secret\nmethod = get\nexpiration = -1\nverify = false\n\n[other]\nendpoint = https://other.example.com\nkey = ok\nsecret = os\n",
    );
    let resolved = world.ok();
    assert_eq!(resolved.profile_name.as_deref(), Some("cloudstack"));
    assert_eq!(
        resolved.origin,
        format!("cs region `cloudstack` in {}", path.display())
    );
    assert_eq!(api_key(&resolved), ("cs-key".into(), "cs%secret".into()));
    assert_eq!(resolved.client.method, HttpMethod::Get);
    assert_eq!(resolved.client.expires, None);
    assert_eq!(resolved.client.timeout, Duration::from_secs(25));
    assert!(resolved.client.tls.insecure);

    let world = world.var("CLOUDSTACK_REGION", "other");
    assert_eq!(world.ok().client.endpoint, "https://other.example.com");
}

#[test]
fn cs_files_merge_key_by_key() {
    let world = World::new();
    world.file(
        &world.home.join(".cloudstack.ini"),
        "[cloudstack]\nendpoint = https://home.example.com\nkey = home-key\nsecret = home-secret\n",
    );
    world.file(
        &world.cwd.join("cloudstack.ini"),
        "[cloudstack]\nkey = cwd-key\nsecret = cwd-secret\n",
    );
    let resolved = world.ok();
    assert_eq!(resolved.client.endpoint, "https://home.example.com");
    assert_eq!(api_key(&resolved), ("cwd-key".into(), "cwd-secret".into()));

    let special = world.file(
        &world.cwd.join("special.ini"),
        "[cloudstack]\nsecret = env-secret\n",
    );
    let world = world.var("CLOUDSTACK_CONFIG", "special.ini");
    let resolved = world.ok();
    assert_eq!(api_key(&resolved), ("cwd-key".into(), "env-secret".into()));
    assert_eq!(
        resolved.origin,
        format!("cs region `cloudstack` in {}", special.display())
    );
}

#[test]
fn profile_search_order_is_csctl_cmk_cs() {
    let world = World::new();
    world.own("[profiles.shared]\nendpoint = \"https://csctl.example.com\"\napi_key = \"k\"\nsecret_key = \"s\"\n");
    world.cmk("[shared]\nurl = https://cmk.example.com\napikey = k\nsecretkey = s\n[both]\nurl = https://cmk.example.com\napikey = k\nsecretkey = s\n");
    world.file(
        &world.home.join(".cloudstack.ini"),
        "[shared]\nendpoint = https://cs.example.com\n[both]\nendpoint = https://cs.example.com\n[cs-only]\nendpoint = https://cs.example.com\nkey = k\nsecret = s\n",
    );
    let endpoint = |name: &str| {
        let overrides = Overrides {
            profile: Some(name.into()),
            ..Overrides::default()
        };
        world.resolve(&overrides).unwrap().client.endpoint
    };
    assert_eq!(endpoint("shared"), "https://csctl.example.com");
    assert_eq!(endpoint("both"), "https://cmk.example.com");
    assert_eq!(endpoint("cs-only"), "https://cs.example.com");
}

// ---------------------------------------------------------------------------
// Secret commands

#[cfg(unix)]
#[test]
fn secret_command_output_is_the_secret() {
    let world = World::new();
    world.own(
        "[profiles.default]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_command = \"printf '  from-command \\\\n'\"\n",
    );
    let resolved = world.ok();
    assert_eq!(api_key(&resolved), ("k".into(), "from-command".into()));
}

#[cfg(unix)]
#[test]
fn secret_command_failure_names_the_profile_and_hides_output() {
    let world = World::new();
    world.own(
        "[profiles.default]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_command = \"echo leaked-secret; exit 3\"\n",
    );
    let error = world.resolve(&Overrides::default()).unwrap_err();
    assert!(matches!(error, ConfigError::SecretCommand { .. }));
    assert_eq!(
        error.to_string(),
        "cannot get the secret of profile `default`: `secret_command` exited with status 3 (its output is not shown)"
    );
    assert!(!format!("{error:?}").contains("leaked-secret"));

    world.own("[profiles.default]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_command = \"true\"\n");
    assert_eq!(
        world.err(),
        "cannot get the secret of profile `default`: `secret_command` printed nothing"
    );
}

#[cfg(unix)]
#[test]
fn secret_command_is_not_run_when_not_needed() {
    let world = World::new().var("CLOUDSTACK_SECRET", "env-secret");
    world.own("[profiles.default]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_command = \"exit 1\"\n");
    assert_eq!(api_key(&world.ok()), ("k".into(), "env-secret".into()));
}

#[cfg(unix)]
#[test]
fn password_command() {
    let world = World::new();
    world.own(
        "[profiles.default]\nendpoint = \"https://e.example.com\"\nusername = \"u\"\ndomain = \"/acme\"\npassword_command = \"echo pw\"\n",
    );
    assert!(matches!(
        world.ok().client.credentials,
        Credentials::Password { ref password, ref domain, .. } if password == "pw" && domain == "/acme"
    ));
}

// ---------------------------------------------------------------------------
// File mode warning

#[cfg(unix)]
#[test]
fn world_readable_config_with_secret_warns_once() {
    let world = World::new();
    let path = world.own(PROD);
    set_mode(&path, 0o644);
    let shown = path.display();
    assert_eq!(
        world.ok().warnings,
        vec![format!(
            "{shown} is readable by other users and holds a secret; run chmod 600 {shown}"
        )]
    );
    assert!(world.ok().warnings.is_empty(), "warned twice");
}

#[cfg(unix)]
#[test]
fn readable_config_without_secret_does_not_warn() {
    let world = World::new();
    let path = world.own(
        "[profiles.default]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_command = \"echo s\"\n",
    );
    set_mode(&path, 0o640);
    assert!(world.ok().warnings.is_empty());
}

#[cfg(unix)]
#[test]
fn config_others_can_write_is_refused_when_it_holds_a_secret_or_command() {
    let world = World::new();
    let path = world.own(PROD);
    let shown = path.display().to_string();
    for mode in [0o620, 0o602, 0o666] {
        set_mode(&path, mode);
        let err = world.err();
        assert_eq!(
            err,
            format!(
                "{shown} can be changed by other users and holds a secret or a command csctl would run; \
                 refusing to use it\n  hint: chmod 600 {shown}"
            ),
            "mode {mode:o}"
        );
    }
    // A command is as dangerous as a secret.
    world.own(
        "[profiles.default]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_command = \"echo s\"\n",
    );
    set_mode(&path, 0o664);
    assert!(world.err().contains("hint: chmod 600"));
    // Without either, a shared file is fine.
    world.own("[profiles.default]\nendpoint = \"https://e.example.com\"\n");
    set_mode(&path, 0o664);
    assert!(world
        .resolve(&Overrides::default())
        .is_err_and(|e| !e.to_string().contains("chmod")));
    set_mode(&path, 0o600);
}

#[cfg(unix)]
#[test]
fn readable_cs_ini_in_open_directory_warns() {
    let world = World::new();
    let path = world.cwd.join("cloudstack.ini");
    write(
        &path,
        "[cloudstack]\nendpoint = https://e.example.com\nkey = k\nsecret = s\n",
        0o604,
    );
    set_mode(&world.cwd, 0o755);
    let warnings = world.ok().warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with(&path.display().to_string()));
}

// ---------------------------------------------------------------------------
// Secrets never shown

#[test]
fn debug_output_hides_secrets() {
    let world = World::new();
    world.own(PROD);
    let overrides = Overrides {
        secret_key: Some("flag-secret".into()),
        ..Overrides::default()
    };
    let resolved = world.resolve(&overrides).unwrap();
    let shown = format!("{resolved:?} {overrides:?} {:?}", world.sources());
    assert!(!shown.contains("flag-secret"), "{shown}");
    assert!(!shown.contains("prod-secret"), "{shown}");

    let settings: settings::Settings =
        toml::from_str("secret_key = \"hidden\"\npassword = \"hidden\"").unwrap();
    assert!(!format!("{settings:?}").contains("hidden"));
}

// ---------------------------------------------------------------------------
// Paths and listing

#[test]
fn default_config_path_honours_csctl_config() {
    let world = World::new();
    assert_eq!(
        default_config_path(&world.sources()),
        world.home.join(".config/csctl/config.toml")
    );
    let world = world.var("CSCTL_CONFIG", "~/my.toml");
    assert_eq!(
        default_config_path(&world.sources()),
        world.home.join("my.toml")
    );
}

#[test]
fn list_profiles_from_every_source() {
    let world = World::new();
    world.own(PROD);
    world.cmk(CMK);
    world.file(
        &world.home.join(".cloudstack.ini"),
        "[cloudstack]\nendpoint = https://cs.example.com\nkey = k\nsecret = s\n[prod]\nendpoint = https://x\n",
    );
    let profiles = list_profiles(&world.sources()).unwrap();
    let rows: Vec<(&str, ProfileSource, bool, bool, AuthKind)> = profiles
        .iter()
        .map(|p| (p.name.as_str(), p.source, p.is_default, p.shadowed, p.auth))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("lab", ProfileSource::Csctl, false, false, AuthKind::ApiKey),
            ("prod", ProfileSource::Csctl, true, false, AuthKind::ApiKey),
            (
                "localcloud",
                ProfileSource::Cmk,
                false,
                false,
                AuthKind::Password
            ),
            ("prod", ProfileSource::Cmk, false, true, AuthKind::ApiKey),
            (
                "cloudstack",
                ProfileSource::Cs,
                false,
                false,
                AuthKind::ApiKey
            ),
            ("prod", ProfileSource::Cs, false, true, AuthKind::None),
        ]
    );
    assert_eq!(
        profiles[2].endpoint.as_deref(),
        Some("http://localhost:8080/client/api")
    );
    assert_eq!(profiles[4].path, world.home.join(".cloudstack.ini"));
}

#[test]
fn a_single_profile_is_used_without_default_profile() {
    let world = World::new();
    world.own("[profiles.lab]\nendpoint = \"https://lab.example.com/client/api\"\napi_key = \"k\"\nsecret_key = \"s\"\n");
    let resolved = world.ok();
    assert_eq!(resolved.profile_name.as_deref(), Some("lab"));
    assert_eq!(
        resolved.client.endpoint,
        "https://lab.example.com/client/api"
    );
    let profiles = list_profiles(&world.sources()).unwrap();
    assert!(profiles.iter().any(|p| p.name == "lab" && p.is_default));
}

#[test]
fn no_endpoint_suggests_the_simulator() {
    let world = World::new();
    let message = world.err();
    assert!(
        message.starts_with("no API endpoint configured"),
        "{message}"
    );
    assert!(message.contains("--sim"), "{message}");
}

#[test]
fn cmk_signature_auto_is_not_mentioned_for_password_logins() {
    let world = World::new();
    world.cmk("profile = p\n[p]\nurl = https://p.example.com\nusername = admin\npassword = pw\nsignaturealgorithm = auto\n");
    let resolved = world.ok();
    assert!(matches!(
        resolved.client.credentials,
        Credentials::Password { .. }
    ));
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
}

#[test]
fn signing_needs_credentials_but_no_endpoint() {
    // Keys from the environment, no endpoint anywhere: `resolve` refuses,
    // `resolve_signing` has all it needs.
    let world = World::new()
        .var("CLOUDSTACK_KEY", "env-key")
        .var("CLOUDSTACK_SECRET", "env-secret");
    assert!(world.err().contains("no API endpoint"), "{}", world.err());
    let settings = resolve_signing(&Overrides::default(), &world.sources()).unwrap();
    assert!(matches!(
        &settings.credentials,
        Credentials::ApiKey { api_key, .. } if api_key == "env-key"
    ));
    assert_eq!(settings.signature_algorithm, SignatureAlgorithm::Sha1);
    assert_eq!(settings.expires, Some(Duration::from_secs(600)));

    // The same profile `resolve` would choose, with its signing settings.
    let world = World::new();
    world.own(PROD);
    let settings = resolve_signing(&Overrides::default(), &world.sources()).unwrap();
    assert!(matches!(
        &settings.credentials,
        Credentials::ApiKey { api_key, .. } if api_key == "prod-key"
    ));

    // Still: no credentials is an error that says where it looked.
    let world = World::new();
    let error = resolve_signing(&Overrides::default(), &world.sources())
        .unwrap_err()
        .to_string();
    assert!(error.contains("no credentials configured"), "{error}");
}

#[test]
fn proxies_are_read_as_curl_reads_them() {
    let resolved = |endpoint: &str, vars: &[(&str, &str)], flag: Option<&str>| {
        let mut world = World::new()
            .var("CLOUDSTACK_ENDPOINT", endpoint)
            .var("CLOUDSTACK_KEY", "k")
            .var("CLOUDSTACK_SECRET", "s");
        for (name, value) in vars {
            world = world.var(name, value);
        }
        let overrides = Overrides {
            proxy: flag.map(str::to_string),
            ..Overrides::default()
        };
        world
            .resolve(&overrides)
            .map(|resolved| resolved.client.proxy)
    };
    let https = "https://cloud.example.com/client/api";
    let http = "http://10.1.2.3:8080/client/api";
    let all = [
        ("https_proxy", "http://s.proxy:3128"),
        ("HTTP_PROXY", "h.proxy:3128"),
        ("ALL_PROXY", "socks5h://u:p@a.proxy:1080"),
    ];
    assert_eq!(
        resolved(https, &all, None).unwrap().as_deref(),
        Some("http://s.proxy:3128")
    );
    // No scheme: an http proxy.
    assert_eq!(
        resolved(http, &all, None).unwrap().as_deref(),
        Some("http://h.proxy:3128")
    );
    assert_eq!(
        resolved(http, &all[2..], None).unwrap().as_deref(),
        Some("socks5h://u:p@a.proxy:1080")
    );
    for no_proxy in [
        "cloud.example.com",
        ".example.com",
        "*",
        "x.org, example.com",
    ] {
        assert_eq!(
            resolved(https, &[all[0], ("NO_PROXY", no_proxy)], None).unwrap(),
            None,
            "{no_proxy}"
        );
    }
    assert_eq!(
        resolved(http, &[all[1], ("no_proxy", "10.0.0.0/8")], None).unwrap(),
        None
    );
    assert!(resolved(https, &[all[0], ("NO_PROXY", "other.com")], None)
        .unwrap()
        .is_some());
    // The flag wins; `none` and "" go direct.
    assert_eq!(
        resolved(https, &all, Some("http://flag:1"))
            .unwrap()
            .as_deref(),
        Some("http://flag:1")
    );
    assert_eq!(resolved(https, &all, Some("none")).unwrap(), None);
    assert_eq!(resolved(https, &all, Some("")).unwrap(), None);
    // A bad proxy is an error that shows no credentials.
    let error = resolved(https, &[("HTTPS_PROXY", "ftp://user:hunter2@p:21")], None)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("$HTTPS_PROXY") && !error.contains("hunter2"),
        "{error}"
    );
}

#[test]
fn secret_keyring_reads_the_secret_key_from_the_os_keyring() {
    super::keyring_store::tests::use_mock_keyring();
    super::keyring_store::save_secret("kr-saved", "from-keyring").unwrap();
    let world = World::new();
    world.own(
        "[profiles.kr-saved]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_keyring = true\nsecret_file = \"/nonexistent/secret\"\n",
    );
    let resolved = world
        .resolve(&Overrides {
            profile: Some("kr-saved".into()),
            ..Overrides::default()
        })
        .unwrap();
    assert_eq!(api_key(&resolved), ("k".into(), "from-keyring".into()));
}

#[test]
fn a_keyring_without_the_secret_is_an_error_naming_the_profile_and_the_fix() {
    super::keyring_store::tests::use_mock_keyring();
    let world = World::new();
    world.own(
        "[profiles.kr-missing]\nendpoint = \"https://e.example.com\"\napi_key = \"k\"\nsecret_keyring = true\n",
    );
    let error = world
        .resolve(&Overrides {
            profile: Some("kr-missing".into()),
            ..Overrides::default()
        })
        .unwrap_err();
    assert!(matches!(error, ConfigError::SecretCommand { .. }));
    let text = error.to_string();
    assert!(
        text.starts_with(
            "cannot get the secret of profile `kr-missing`: the OS keyring (service `csctl`, account `kr-missing`) did not give it:"
        ),
        "{text}"
    );
    assert!(
        text.contains("csctl keys show --save -p kr-missing"),
        "{text}"
    );
}
