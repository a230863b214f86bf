//! Staff pages: sign-in and sign-out, the staff home, the people of a unit (CCCD masked unless
//! the role may see it), a person's page, roster uploads, and the audit log. Every page checks
//! the caller's grants against the unit or organisation it touches, and every look at personal
//! data is recorded in the audit log.

use crate::problem::{Multipart, Path};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_auth::access::{Permission, Scope, Target};
use binhdan_core::audit::{AuditEntry, Detail};
use binhdan_core::unit::{UnitCode, UnitLevel};
use binhdan_core::{Localized as _, Msg};
use binhdan_i18n::Lang;
use binhdan_store::{PersonSummary, SessionOwner};
use serde::Deserialize;

use crate::AppState;
use crate::client::ClientAddr;
use crate::lang::ReqLang;
use crate::pages::{Layout, format_count};
use crate::problem::{Problem, Query};
use crate::respond::row_errors;
use crate::session::{Caller, Staff, StaffCaller, safe_next};

mod audit;
mod home;
mod people;
mod sign_in;
mod uploads;

pub use audit::*;
pub use home::*;
pub use people::*;
pub use sign_in::*;
pub use uploads::*;
