//! The keys file: where a server without configured vault keys keeps its own, created with
//! fresh keys on first use and readable by its owner only. Lose it and the stored CCCD numbers
//! cannot be read again; back it up with the database, but never in the same place.

use std::io::Write as _;
use std::path::Path;

use binhdan_vault::VaultConfig;

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("keys file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("keys file {path}: {detail}")]
    Invalid { path: String, detail: String },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    vault: VaultConfig,
}

/// Reads the keys file, or creates it with fresh keys if it does not exist.
pub fn load_or_create(path: &Path) -> Result<VaultConfig, KeysError> {
    let shown = path.display().to_string();
    let io = |source| KeysError::Io {
        path: shown.clone(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str::<KeysFile>(&text)
            .map(|f| f.vault)
            .map_err(|e| KeysError::Invalid {
                path: shown.clone(),
                detail: e.message().to_owned(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let config = VaultConfig::generate(&mut rand::rng());
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(io)?;
            let text = format!(
                "# Keys protecting CCCD numbers at rest. Keep this file secret and backed up.\n{}",
                config.to_toml("vault").expose()
            );
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
            tracing::warn!(
                keys_file = %shown,
                "created new vault keys; back this file up, apart from the database"
            );
            Ok(config)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/keys.toml");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only");
        }
        binhdan_vault::Vault::new(&first).unwrap();
        std::fs::write(&path, "[vault]\ncurrent = 3\n").unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(KeysError::Invalid { .. })
        ));
    }
}
