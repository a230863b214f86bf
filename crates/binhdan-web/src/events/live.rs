//! The control room's big screen and its feed of live figures (Server-Sent Events).

#[allow(
    clippy::wildcard_imports,
    reason = "the feature's shared imports and helpers"
)]
use super::*;

pub struct GroupView {
    pub key: String,
    pub label: String,
    pub count: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "event_live.html")]
pub(super) struct LivePage {
    l: Layout,
    event: EventRecord,
    window: String,
    live: Live,
    participants: String,
    expected: String,
    groups: Vec<GroupView>,
    /// Every group's label, for the script: `key=label` lines.
    group_labels: String,
    feed: String,
}

/// The control room's big screen: points connected, participants in total, by commune and by
/// group, following the server's events.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}/truc-tiep", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, description = "The live screen (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such event")))]
pub async fn live_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    let live = binhdan_app::events::live(state.store.as_ref(), event.id).await?;
    let all = [
        "adult",
        "student",
        "public_servant",
        "worker",
        "other",
        "guest",
        "headcount",
    ];
    Ok(LivePage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("event-live-title").arg("title", &event.title)),
        )
        .with_script(crate::assets::live_js_url())
        .screen(),
        window: window(&event),
        participants: format_count(lang, live.participants),
        expected: format_count(lang, live.expected),
        groups: live
            .groups
            .iter()
            .map(|(g, n)| GroupView {
                key: g.clone(),
                label: binhdan_app::events::group_label(lang, g),
                count: format_count(lang, *n),
            })
            .collect(),
        group_labels: all
            .iter()
            .map(|g| format!("{g}={}", binhdan_app::events::group_label(lang, g)))
            .collect::<Vec<_>>()
            .join("\n"),
        feed: format!("/quan-ly/su-kien/{}/truc-tiep/luong", event.id),
        live,
        event,
    }
    .into_response())
}

/// One Server-Sent Event carrying the figures, framed once for every screen (`Bytes` clones
/// share the buffer).
pub(super) fn live_frame(live: &Live) -> Bytes {
    let json = serde_json::to_string(live).unwrap_or_default();
    Bytes::from(format!("event: live\ndata: {json}\n\n"))
}

/// The live figures' feed for an event: one reader per event and server polls the figures
/// (O(points) rows) and every watcher gets each change, framed once.
pub(super) fn feed(state: &AppState, event: i64) -> tokio::sync::watch::Receiver<Bytes> {
    let mut feeds = state
        .events
        .feeds
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(tx) = feeds.get(&event) {
        return tx.subscribe();
    }
    let (tx, rx) = tokio::sync::watch::channel(Bytes::new());
    feeds.insert(event, tx.clone());
    let store = state.store.clone();
    let events = state.events.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LIVE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut idle = 0;
        loop {
            tick.tick().await;
            if tx.receiver_count() == 0 {
                idle += 1;
                if idle >= 3 {
                    let mut feeds = events
                        .feeds
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // A watcher may have come since: only an unwatched feed goes.
                    if tx.receiver_count() == 0 {
                        feeds.remove(&event);
                        return;
                    }
                }
                continue;
            }
            idle = 0;
            match binhdan_app::events::live(store.as_ref(), event).await {
                Ok(live) => {
                    let frame = live_frame(&live);
                    tx.send_if_modified(|old| {
                        if *old == frame {
                            false
                        } else {
                            *old = frame;
                            true
                        }
                    });
                }
                Err(e) => tracing::warn!(error = %e, event, "reading the live figures failed"),
            }
        }
    });
    rx
}

/// A comment line every this often keeps proxies from closing a quiet stream.
pub(super) const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub(super) fn event_stream(body: axum::body::Body) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/event-stream"),
    );
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    // Reverse proxies (nginx) must pass each event on at once.
    h.insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    r
}

/// The live figures as Server-Sent Events (`event: live`, the figures as JSON), sent when
/// they change. Once the event is over (and its late check-ins too) the stream sends the final
/// figures and ends; it ends too when the server shuts down.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}/truc-tiep/luong", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, description = "The figures as they change", content_type = "text/event-stream"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such event")))]
pub async fn live_feed(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    if state.clock.now().millis() > event.ends_at.millis() + binhdan_app::events::LATE_SYNC_MS {
        // Over, and no late check-in can come: the final figures, and the stream ends.
        let live = binhdan_app::events::live(state.store.as_ref(), event.id).await?;
        return Ok(event_stream(axum::body::Body::from(live_frame(&live))));
    }
    let rx = feed(&state, event.id);
    let closing = state.events.closing.subscribe();
    let stream = futures_util::stream::unfold(
        (rx, closing, true),
        |(mut rx, mut closing, first)| async move {
            // What woke a waiting stream.
            enum Woke {
                Changed,
                Closed,
                Quiet,
            }
            if first {
                // The figures as they are now, if the feed has read them yet.
                let frame = rx.borrow_and_update().clone();
                if !frame.is_empty() {
                    return Some((Ok::<Bytes, Infallible>(frame), (rx, closing, false)));
                }
            }
            loop {
                let woke = tokio::select! {
                    changed = rx.changed() => if changed.is_ok() { Woke::Changed } else { Woke::Closed },
                    _ = closing.wait_for(|c| *c) => Woke::Closed,
                    () = tokio::time::sleep(KEEP_ALIVE) => Woke::Quiet,
                };
                match woke {
                    Woke::Changed => {
                        let frame = rx.borrow_and_update().clone();
                        if !frame.is_empty() {
                            return Some((Ok(frame), (rx, closing, false)));
                        }
                    }
                    Woke::Closed => return None,
                    Woke::Quiet => {
                        return Some((Ok(Bytes::from_static(b":\n\n")), (rx, closing, false)));
                    }
                }
            }
        },
    );
    Ok(event_stream(axum::body::Body::from_stream(stream)))
}
