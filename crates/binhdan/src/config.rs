//! Configuration: defaults, then an optional TOML file (`--config`, `BINHDAN_CONFIG`, or
//! `./binhdan.toml` if present), then `BINHDAN_*` environment variables (nested keys with `__`:
//! `BINHDAN_HTTP__PUBLIC_URL`). With nothing set it works: SQLite at `./data/binhdan.db`,
//! listening on 127.0.0.1:8080.

use std::path::{Path, PathBuf};

use binhdan_core::Secret;
use binhdan_store::StoreConfig;
use binhdan_web::WebConfig;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://./data/binhdan.db` or `postgres://user@host/db` (`BINHDAN_DATABASE_URL`).
    pub database_url: Secret<String>,
    /// Address to listen on (`BINHDAN_LISTEN`).
    pub listen: String,
    /// The province this server serves, by GSO code (`BINHDAN_PROVINCE`).
    pub province: String,
    pub log: LogConfig,
    pub store: StoreTuning,
    pub http: HttpConfig,
    /// Keys protecting CCCD numbers at rest. When absent, they are read from `keys_file`,
    /// which is created with fresh keys on first use (back it up: without it the stored numbers
    /// cannot be read).
    pub vault: Option<binhdan_vault::VaultConfig>,
    /// Where the keys live when `vault` is not configured (`BINHDAN_KEYS_FILE`).
    pub keys_file: PathBuf,
    pub campaign: CampaignConfig,
    /// Citizen sign-in with VNeID (`OpenID` Connect); off when absent.
    pub oidc: Option<binhdan_oidc::OidcConfig>,
    /// The placement test's and the certification exam's rules (`[exam]`).
    pub exam: binhdan_app::exam::ExamConfig,
    /// When the village teams' supervised sittings are flagged, and how long a class's join
    /// code lasts (`[assisted]`).
    pub assisted: binhdan_app::teams::AssistConfig,
    /// How long an action taken without a network may wait on a phone and still count
    /// (`[offline] max_delay_days`, 7 unless set).
    pub offline: binhdan_app::offline::OfflineConfig,
    /// Delivery of certificates and revocations to VNeID (`[delivery]`); off without a URL.
    pub delivery: binhdan_app::delivery::DeliveryConfig,
    /// The issuing body's name, address and contacts on every page (`[official]`).
    pub official: binhdan_web::config::Official,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignConfig {
    /// The day ages are computed on (adults are 18 or older on it), `YYYY-MM-DD`.
    pub evaluation_date: String,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        Self {
            evaluation_date: "2026-12-31".to_owned(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `pretty` (development) or `json` (production).
    pub format: LogFormat,
    /// A tracing filter, e.g. `info,sqlx=warn`; `RUST_LOG` wins when set.
    pub filter: String,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreTuning {
    pub max_connections: u32,
    pub migrate_on_start: bool,
    /// PostgreSQL only: the schema to use.
    pub schema: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub public_url: Option<String>,
    pub request_timeout_secs: Option<u64>,
    pub body_limit_bytes: Option<usize>,
    pub import_limit_bytes: Option<usize>,
    /// Connections served at once (`BINHDAN_HTTP__MAX_CONNECTIONS`, default 10,000).
    pub max_connections: Option<usize>,
    /// Seconds a client may take to send a request's head (default 10).
    pub header_read_timeout_secs: Option<u64>,
    /// Addresses of the load balancers in front (`X-Forwarded-For` is believed from them).
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Bearer token for the operator API (`BINHDAN_HTTP__OPERATOR_TOKEN`).
    pub operator_token: Option<Secret<String>>,
}

impl Default for Config {
    fn default() -> Self {
        let store = StoreConfig::default();
        let web = WebConfig::default();
        Self {
            database_url: store.url,
            listen: web.listen,
            province: web.province,
            log: LogConfig::default(),
            store: StoreTuning {
                max_connections: store.max_connections,
                migrate_on_start: store.migrate_on_start,
                schema: None,
            },
            http: HttpConfig::default(),
            vault: None,
            keys_file: PathBuf::from("data/keys.toml"),
            campaign: CampaignConfig::default(),
            oidc: None,
            exam: binhdan_app::exam::ExamConfig::default(),
            assisted: binhdan_app::teams::AssistConfig::default(),
            offline: binhdan_app::offline::OfflineConfig::default(),
            delivery: binhdan_app::delivery::DeliveryConfig::default(),
            official: binhdan_web::config::Official::default(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            filter: "info,sqlx=warn,tower_http=warn".to_owned(),
        }
    }
}

impl Default for StoreTuning {
    fn default() -> Self {
        let d = StoreConfig::default();
        Self {
            max_connections: d.max_connections,
            migrate_on_start: d.migrate_on_start,
            schema: None,
        }
    }
}

/// The top-level keys of the configuration. Other `BINHDAN_*` variables belong to tools
/// around the server (`BINHDAN_CONFIG`, `BINHDAN_TEST_POSTGRES_URL`, the browser tests'…) and
/// are left alone; unknown keys in a configuration *file* are errors.
const KEYS: [&str; 15] = [
    "oidc",
    "delivery",
    "exam",
    "assisted",
    "offline",
    "official",
    "database_url",
    "listen",
    "province",
    "log",
    "store",
    "http",
    "vault",
    "keys_file",
    "campaign",
];

impl Config {
    /// Reads the configuration. `file` is the explicit `--config`; without it `BINHDAN_CONFIG`
    /// or `./binhdan.toml` is used if present.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let file: Option<PathBuf> = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("BINHDAN_CONFIG").map(PathBuf::from))
            .or_else(|| Some(PathBuf::from("binhdan.toml")).filter(|p| p.exists()));
        let mut figment = Figment::new();
        if let Some(f) = file {
            figment = figment.merge(Toml::file_exact(f));
        }
        figment
            .merge(
                Env::prefixed("BINHDAN_")
                    .filter(|k| {
                        // Keys arrive as written in the environment (upper case).
                        let k = k.as_str().to_ascii_lowercase();
                        KEYS.iter()
                            .any(|top| k == *top || k.starts_with(&format!("{top}__")))
                    })
                    .split("__"),
            )
            .extract()
            .map_err(Box::new)
    }

    #[must_use]
    pub fn store(&self) -> StoreConfig {
        StoreConfig {
            url: self.database_url.clone(),
            max_connections: self.store.max_connections,
            migrate_on_start: self.store.migrate_on_start,
            schema: self.store.schema.clone(),
        }
    }

    /// The campaign's evaluation date.
    pub fn evaluation_date(&self) -> anyhow::Result<binhdan_core::people::Date> {
        let s = self.campaign.evaluation_date.trim();
        let parts: Vec<&str> = s.split('-').collect();
        let parsed = match parts.as_slice() {
            [y, m, d] => y
                .parse()
                .ok()
                .zip(m.parse().ok())
                .zip(d.parse().ok())
                .and_then(|((y, m), d)| binhdan_core::people::Date::new(y, m, d)),
            _ => None,
        };
        parsed.ok_or_else(|| {
            anyhow::anyhow!("campaign.evaluation_date: \"{s}\" is not a date (YYYY-MM-DD)")
        })
    }

    /// The vault: configured keys, or those of the keys file, created on first use.
    pub fn vault(&self) -> anyhow::Result<binhdan_vault::Vault> {
        let config = match &self.vault {
            Some(v) => v.clone(),
            None => binhdan_app::keys::load_or_create(&self.keys_file)?,
        };
        binhdan_vault::Vault::new(&config).map_err(|e| {
            anyhow::anyhow!(
                "vault: {}",
                binhdan_i18n::Lang::Vi.tr(&binhdan_core::Localized::msg(&e))
            )
        })
    }

    #[must_use]
    pub fn web(&self) -> WebConfig {
        let d = WebConfig::default();
        WebConfig {
            listen: self.listen.clone(),
            public_url: self.http.public_url.clone(),
            province: self.province.clone(),
            request_timeout_secs: self
                .http
                .request_timeout_secs
                .unwrap_or(d.request_timeout_secs),
            body_limit_bytes: self.http.body_limit_bytes.unwrap_or(d.body_limit_bytes),
            import_limit_bytes: self.http.import_limit_bytes.unwrap_or(d.import_limit_bytes),
            max_connections: self.http.max_connections.unwrap_or(d.max_connections),
            header_read_timeout_secs: self
                .http
                .header_read_timeout_secs
                .unwrap_or(d.header_read_timeout_secs),
            trusted_proxies: self.http.trusted_proxies.clone().unwrap_or_default(),
            operator_token: self.http.operator_token.clone(),
            exam: self.exam.clone(),
            assisted: self.assisted.clone(),
            offline: self.offline.clone(),
            official: self.official.clone(),
        }
    }
}

#[cfg(test)]
// figment::Jail's closures return its large error type by design.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn nothing_set_means_sqlite_in_data_on_loopback() {
        figment::Jail::expect_with(|_jail| {
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.database_url.expose(), "sqlite://./data/binhdan.db");
            assert_eq!(c.listen, "127.0.0.1:8080");
            assert_eq!(c.province, "38");
            Ok(())
        });
    }

    #[test]
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "b.toml",
                "listen = \"0.0.0.0:9000\"\n[http]\npublic_url = \"https://binhdan.example\"\n",
            )?;
            jail.set_env("BINHDAN_DATABASE_URL", "postgres://u:hunter2@db/binhdan");
            jail.set_env("BINHDAN_HTTP__OPERATOR_TOKEN", "s3cret-token");
            jail.set_env("BINHDAN_TEST_POSTGRES_URL", "postgres://ignored");
            jail.set_env("BINHDAN_E2E_BINARY", "/somewhere/binhdan");
            jail.set_env("BINHDAN_LOG__FORMAT", "json");
            let c = Config::load(Some(Path::new("b.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:9000");
            assert!(c.web().behind_tls());
            assert_eq!(c.database_url.expose(), "postgres://u:hunter2@db/binhdan");
            assert_eq!(c.log.format, LogFormat::Json);
            let shown = format!("{c:?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("s3cret-token"),
                "{shown}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_typo_in_the_file_is_an_error() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("b.toml", "lisen = \"0.0.0.0:9000\"\n")?;
            let e = Config::load(Some(Path::new("b.toml"))).unwrap_err();
            assert!(e.to_string().contains("lisen"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn every_section_can_be_set_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("BINHDAN_OFFICIAL__BODY", "UBND tỉnh Thanh Hóa");
            jail.set_env("BINHDAN_ASSISTED__JOIN_HOURS", "5");
            jail.set_env("BINHDAN_OFFLINE__MAX_DELAY_DAYS", "10");
            let web = Config::load(None).map_err(|e| e.to_string())?.web();
            assert_eq!(web.official.body, "UBND tỉnh Thanh Hóa");
            assert_eq!(web.assisted.join_hours, 5);
            assert_eq!(web.offline.max_delay_days, 10);
            Ok(())
        });
    }

    #[test]
    fn the_offline_delay_comes_from_the_file_or_the_environment() {
        figment::Jail::expect_with(|jail| {
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.web().offline.max_delay_days, 7);
            jail.create_file("b.toml", "[offline]\nmax_delay_days = 14\n")?;
            let c = Config::load(Some(Path::new("b.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.web().offline.max_delay_days, 14);
            jail.set_env("BINHDAN_OFFLINE__MAX_DELAY_DAYS", "40");
            let c = Config::load(Some(Path::new("b.toml"))).map_err(|e| e.to_string())?;
            assert!(c.web().offline.check().is_err(), "40 days is refused");
            Ok(())
        });
    }
}
