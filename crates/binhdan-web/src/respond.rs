//! What many pages answer with: downloads, answers no cache may keep, QR codes, spreadsheets
//! and the lines of a refused file.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use binhdan_i18n::Lang;

use crate::AppState;
use crate::problem::Problem;

/// A download: its content type, `attachment` with its file name, never stored by caches.
pub(crate) fn attachment(
    body: impl IntoResponse,
    content_type: &'static str,
    file_name: &str,
) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(r)
}

/// Who counts as an adult on the campaign's evaluation date.
pub(crate) fn cutoff(state: &AppState) -> binhdan_store::AdultCutoff {
    binhdan_app::people::adult_cutoff(state.auth.evaluation_date)
}

/// The answer, never kept by a browser's or a proxy's cache.
pub(crate) fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A QR code as an SVG image (empty when the text does not fit one).
pub(crate) fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes()).map_or_else(
        |_| String::new(),
        |q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        },
    )
}

/// Sheets as a download: CSV (UTF-8 with BOM) or XLSX, written off the async threads.
pub(crate) async fn spreadsheet(
    sheets: Vec<binhdan_tabular::write::Sheet>,
    csv: bool,
    file_name: &str,
) -> Result<Response, Problem> {
    let bytes = tokio::task::spawn_blocking(move || {
        if csv {
            binhdan_tabular::write::to_csv(&sheets)
        } else {
            binhdan_tabular::write::to_xlsx(&sheets)
        }
    })
    .await
    .map_err(|e| Problem::internal(&e))?
    .map_err(|e| Problem::internal(&e))?;
    Ok(attachment(
        bytes,
        if csv {
            "text/csv; charset=utf-8"
        } else {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
        file_name,
    ))
}

/// Each refused row as a line of the page: `Dòng 3 [Số CCCD]: …`.
pub(crate) fn row_errors(lang: Lang, rows: &[binhdan_core::import::RowError]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            let col = if r.column.is_empty() {
                String::new()
            } else {
                format!(" [{}]", r.column)
            };
            format!(
                "{} {}{col}: {}",
                lang.text("import-row"),
                r.row,
                lang.tr(&r.msg)
            )
        })
        .collect()
}
