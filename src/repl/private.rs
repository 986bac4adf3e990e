//! What the REPL keeps on disk stays private: its history and cache
//! folders are 0700 and their files 0600, and a line holding a secret
//! parameter is never written to the history.

use std::path::Path;

use csctl::client::trace::is_secret_name;

/// Whether a typed line sets a secret: `name=value` (shorthand) or
/// `name: value` / `"name": value` (a Rhai map) where `name` is a secret's
/// name (`password`, `secretkey`, `privatekey`, …).
pub fn holds_secret(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    let is_name_char = |c: char| c.is_alphanumeric() || "_.[]".contains(c);
    let mut index = 0;
    while index < chars.len() {
        if !is_name_char(chars[index]) {
            index += 1;
            continue;
        }
        let start = index;
        while index < chars.len() && is_name_char(chars[index]) {
            index += 1;
        }
        let name: String = chars[start..index].iter().collect();
        let mut next = index;
        if chars.get(next).is_some_and(|c| *c == '"' || *c == '\'') {
            next += 1;
        }
        while chars.get(next).is_some_and(|c| c.is_whitespace()) {
            next += 1;
        }
        let assigns = match chars.get(next) {
            Some('=') => chars.get(next + 1) != Some(&'='),
            Some(':') => chars.get(next + 1) != Some(&':'),
            _ => false,
        };
        if assigns && is_secret_name(&name) {
            return true;
        }
    }
    false
}

/// Creates `dir` (and its parents) and makes it private (0700 on Unix).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes a file private (0600 on Unix); a file not written yet is fine.
pub fn private_file(file: &Path) -> std::io::Result<()> {
    match set_mode(file, 0o600) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_setting_secrets_are_recognised() {
        for line in [
            "login username=admin password=hunter2",
            "api(\"login\", #{username: \"a\", password: \"b\"})",
            "let m = #{\"secretkey\": \"x\"};",
            "registerUserKeys x secretKey = y",
            "createVpnConnection ipsecpsk=abc",
            "updateConfiguration name=x details[0].password=y",
        ] {
            assert!(holds_secret(line), "{line}");
        }
        for line in [
            "listZones",
            "print(x.password == y)",
            "listVirtualMachines name=web keyword=password",
            "resetPasswordForVirtualMachine id=1",
            "let passwordenabled = true;",
        ] {
            assert!(!holds_secret(line), "{line}");
        }
    }
}
