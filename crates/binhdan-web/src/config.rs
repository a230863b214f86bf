//! HTTP configuration.

use binhdan_core::Secret;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// The URL people reach the server at (`https://…` behind TLS turns on HSTS and Secure
    /// cookies). `None` in development.
    pub public_url: Option<String>,
    /// The province this server serves: its home page and default scope (GSO code).
    pub province: String,
    /// Longest time a request may take, in seconds.
    pub request_timeout_secs: u64,
    /// Largest request body, in bytes (imports have their own, larger limit).
    pub body_limit_bytes: usize,
    /// Largest import file, in bytes.
    pub import_limit_bytes: usize,
    /// Connections served at once; more wait in the kernel's backlog (keep it below the
    /// process's limit of open files).
    pub max_connections: usize,
    /// Seconds a connection may take to send a request's head before it is closed.
    pub header_read_timeout_secs: u64,
    /// Load balancers and proxies in front of the server: from them, the client's address is
    /// read from `X-Forwarded-For` (for throttling sign-ins per address).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Bearer token of the operator API (imports and edits by programs). The write API is
    /// closed when it is not set. Staff accounts with scoped roles come with sign-in.
    pub operator_token: Option<Secret<String>>,
    /// The placement test's and the certification exam's rules.
    pub exam: binhdan_app::exam::ExamConfig,
    /// When a supervised sitting is flagged to the commune, and how long a class's join code
    /// lasts (`[assisted]`).
    pub assisted: binhdan_app::teams::AssistConfig,
    /// How long an action may wait on a phone without a network and still count
    /// (`[offline]`).
    pub offline: binhdan_app::offline::OfflineConfig,
    /// Who runs the campaign, shown as every page's banner and footer (`[official]`).
    pub official: Official,
}

/// The issuing body as people expect to see it on an official site: its name above every
/// page, its address and contacts below. Nothing is shown for what is not set. The province's
/// progress report (Decree 30/2020/NĐ-CP) is issued in its name, under its symbol, and signed
/// by its signer.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Official {
    /// e.g. "UBND tỉnh Thanh Hóa — Ban Chỉ đạo phong trào Bình dân học vụ số".
    pub body: String,
    pub address: String,
    /// A telephone number people can call (shown as a `tel:` link).
    pub hotline: String,
    /// An e-mail address or other contact.
    pub contact: String,
    /// The symbol after the report's number ("Số: …/BC-BCĐ"); the office fills the number in.
    pub report_symbol: String,
    /// The lines above the signature of the province's report ("TM. BAN CHỈ ĐẠO",
    /// "TRƯỞNG BAN").
    pub signer_title: Vec<String>,
    /// Who signs the province's report, printed under the signature (empty: written by hand).
    /// A commune's report is signed in the commune: its signer is left to be written.
    pub signer: String,
}

impl Default for Official {
    fn default() -> Self {
        Self {
            body: String::new(),
            address: String::new(),
            hotline: String::new(),
            contact: String::new(),
            report_symbol: "BC-BCĐ".to_owned(),
            signer_title: vec!["TM. BAN CHỈ ĐẠO".to_owned(), "TRƯỞNG BAN".to_owned()],
            signer: String::new(),
        }
    }
}

/// Longest report symbol, signer's name and title line, in characters.
const MAX_SYMBOL: usize = 20;
const MAX_SIGNER: usize = 80;
const MAX_TITLE_LINE: usize = 60;

impl Official {
    /// Whether the report's symbol, title and signer print as a document expects: a symbol of
    /// letters, digits and hyphens (it follows "Số: …/"), one to four title lines, bounded
    /// lengths.
    ///
    /// # Errors
    /// Which key is wrong and why.
    pub fn check(&self) -> Result<(), String> {
        let symbol = self.report_symbol.trim();
        if symbol.is_empty()
            || symbol.chars().count() > MAX_SYMBOL
            || !symbol.chars().all(|c| c.is_alphanumeric() || c == '-')
        {
            return Err(format!(
                "report_symbol: \"{}\" must be 1–{MAX_SYMBOL} letters, digits or hyphens (e.g. \"BC-BCĐ\")",
                symbol.chars().take(MAX_SYMBOL + 5).collect::<String>()
            ));
        }
        if self.signer_title.is_empty()
            || self.signer_title.len() > 4
            || self
                .signer_title
                .iter()
                .any(|l| l.trim().is_empty() || l.chars().count() > MAX_TITLE_LINE)
        {
            return Err(format!(
                "signer_title: 1–4 lines, none empty or over {MAX_TITLE_LINE} characters (e.g. [\"TM. BAN CHỈ ĐẠO\", \"TRƯỞNG BAN\"])"
            ));
        }
        if self.signer.chars().count() > MAX_SIGNER || self.signer.contains(['\n', '\r']) {
            return Err(format!(
                "signer: one line of at most {MAX_SIGNER} characters"
            ));
        }
        Ok(())
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            public_url: None,
            province: "38".to_owned(),
            request_timeout_secs: 30,
            body_limit_bytes: 256 * 1024,
            import_limit_bytes: 16 * 1024 * 1024,
            max_connections: 10_000,
            header_read_timeout_secs: 10,
            trusted_proxies: Vec::new(),
            operator_token: None,
            exam: binhdan_app::exam::ExamConfig::default(),
            assisted: binhdan_app::teams::AssistConfig::default(),
            offline: binhdan_app::offline::OfflineConfig::default(),
            official: Official::default(),
        }
    }
}

impl WebConfig {
    /// The server loop's limits.
    #[must_use]
    pub fn serve_limits(&self) -> crate::server::ServeLimits {
        crate::server::ServeLimits {
            max_connections: self.max_connections,
            header_read_timeout: std::time::Duration::from_secs(
                self.header_read_timeout_secs.max(1),
            ),
        }
    }

    /// Whether people reach the server over TLS.
    #[must_use]
    pub fn behind_tls(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}
