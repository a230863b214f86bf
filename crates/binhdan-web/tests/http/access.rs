//! Every route × every role: each route the OpenAPI document lists, called as each kind of
//! caller. A caller the route admits gets exactly the status it is meant to answer (a page,
//! a redirect after a write, a refusal of a deliberately invalid body, …); any other caller is
//! refused (401, 403, or sent to the sign-in page; 429 once refused sign-ins are throttled).
//! The fixtures come from `people.rs`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::audit::AuditEntry;
use binhdan_core::{Secret, Timestamp};
use binhdan_store::{NewStaff, SessionOwner};

use crate::helpers::{NOW, TOKEN, TestResponse};
use crate::people::{code, fixture, multipart, session};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Operator,
    Citizen,
    ProvinceAdmin,
    CommuneAdmin,
    SiblingCommuneAdmin,
    Facilitator,
    OrgAdmin,
    ContentAuthor,
    Auditor,
}

const EVERYONE: [Who; 10] = [
    Who::Anonymous,
    Who::Operator,
    Who::Citizen,
    Who::ProvinceAdmin,
    Who::CommuneAdmin,
    Who::SiblingCommuneAdmin,
    Who::Facilitator,
    Who::OrgAdmin,
    Who::ContentAuthor,
    Who::Auditor,
];

const STAFF: [Who; 7] = [
    Who::ProvinceAdmin,
    Who::CommuneAdmin,
    Who::SiblingCommuneAdmin,
    Who::Facilitator,
    Who::OrgAdmin,
    Who::ContentAuthor,
    Who::Auditor,
];

/// A route as the OpenAPI document names it, the request that exercises it, who may, and the
/// status those who may get (`None` when nobody may).
struct Case {
    method: &'static str,
    path: &'static str,
    uri: String,
    body: Body2,
    allowed: Vec<Who>,
    status: Option<StatusCode>,
}

enum Body2 {
    None,
    /// Form fields; `{csrf}` is replaced by the caller's token, `{who}` by their kind (so that
    /// what one creates does not stand in the next one's way).
    Form(&'static str),
    Json(&'static str),
    Csv(&'static str),
    Upload,
    /// A file of population figures for commune 16591, checked but not stored.
    UploadPopulation,
    /// A class's photo form with a file that is not an image (refused after the checks).
    Photo,
}

fn case(
    method: &'static str,
    path: &'static str,
    uri: impl Into<String>,
    body: Body2,
    allowed: &[Who],
    status: StatusCode,
) -> Case {
    assert!(
        !allowed.is_empty(),
        "{method} {path}: a route nobody may use is `nobody`"
    );
    Case {
        method,
        path,
        uri: uri.into(),
        body,
        allowed: allowed.to_vec(),
        status: Some(status),
    }
}

/// A request every caller is refused (a wrong password, a registration without the sign-in
/// it follows, …).
fn nobody(method: &'static str, path: &'static str, uri: impl Into<String>, body: Body2) -> Case {
    Case {
        method,
        path,
        uri: uri.into(),
        body,
        allowed: Vec::new(),
        status: None,
    }
}

/// The curriculum's first lesson, its module and one of its images (see `content/`).
const LESSON: &str = "cong-dan.dien-thoai.bat-tat-va-sac";
const MODULE: &str = "cong-dan.dien-thoai";
const IMAGE: &str = "courses/cong-dan/images/nut-nguon.svg";
/// A simulated task (see `content/tasks/`).
const TASK: &str = "chuyen-tien-kiem-tra-ten";

fn cases(person: i64, facilitator: i64, (event, point): (i64, i64), stylesheet: &str) -> Vec<Case> {
    use Body2 as B;
    use Who::*;
    let all = &EVERYONE;
    let organisers = &[ProvinceAdmin, CommuneAdmin];
    let watchers = &[ProvinceAdmin, CommuneAdmin, Auditor];
    let hosts = &[ProvinceAdmin, CommuneAdmin, Facilitator];
    vec![
        case(
            "get",
            "/quan-ly/su-kien",
            "/quan-ly/su-kien",
            B::None,
            &[
                ProvinceAdmin,
                CommuneAdmin,
                SiblingCommuneAdmin,
                Facilitator,
                OrgAdmin,
            ],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/su-kien",
            "/quan-ly/su-kien",
            B::Form(
                "csrf={csrf}&title=L%E1%BB%85&kind=ceremony&unit=16591&starts=2026-12-01T08:00&ends=2026-12-01T10:00",
            ),
            organisers,
            StatusCode::SEE_OTHER,
        ),
        case(
            "get",
            "/quan-ly/su-kien/{id}",
            format!("/quan-ly/su-kien/{event}"),
            B::None,
            watchers,
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/su-kien/{id}/sua",
            format!("/quan-ly/su-kien/{event}/sua"),
            // Still over (refused as in the past): its live feed must stay closed.
            B::Form(
                "csrf={csrf}&title=L%E1%BB%85&kind=ceremony&starts=2025-11-24T00:00&ends=2025-11-24T01:00",
            ),
            organisers,
            // the new window is in the past
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "post",
            "/quan-ly/su-kien/{id}/diem/{point}/sua",
            format!("/quan-ly/su-kien/{event}/diem/{point}/sua"),
            B::Form(
                "csrf={csrf}&name=%C4%90i%E1%BB%83m+th%C3%B4n+M%E1%BB%99t&unit=16591001&host=Facilitator&expected=30",
            ),
            organisers,
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/su-kien/{id}/diem",
            format!("/quan-ly/su-kien/{event}/diem"),
            B::Form("csrf={csrf}&name=&unit=16591&host=x&expected=1"),
            organisers,
            // an empty name
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "post",
            "/quan-ly/su-kien/{id}/diem/tep",
            format!("/quan-ly/su-kien/{event}/diem/tep"),
            B::Upload,
            organisers,
            // a roster, not a file of points
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "get",
            "/quan-ly/su-kien/{id}/diem/{point}",
            format!("/quan-ly/su-kien/{event}/diem/{point}"),
            B::None,
            hosts,
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/su-kien/{id}/diem/{point}/diem-danh",
            format!("/quan-ly/su-kien/{event}/diem/{point}/diem-danh"),
            B::Form("csrf={csrf}&identity=038090012345"),
            hosts,
            // the event is over: outside its window
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "post",
            "/quan-ly/su-kien/{id}/diem/{point}/so-nguoi",
            format!("/quan-ly/su-kien/{event}/diem/{point}/so-nguoi"),
            B::Form("csrf={csrf}&headcount=3"),
            hosts,
            // the event is over: outside its window
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "post",
            "/api/v1/events/{id}/points/{point}/check-ins",
            format!("/api/v1/events/{event}/points/{point}/check-ins"),
            B::Json(r#"{"csrf":"{csrf}","items":[{"id":"a","identity":"038090012345"}]}"#),
            hosts,
            // What became of each item (refused: the event is over) is in the body.
            StatusCode::OK,
        ),
        case(
            "get",
            "/su-kien/diem/{token}",
            "/su-kien/diem/matrix-token",
            B::None,
            &[Citizen],
            StatusCode::OK,
        ),
        case(
            "post",
            "/su-kien/diem/{token}",
            "/su-kien/diem/matrix-token",
            B::Form("csrf={csrf}"),
            &[Citizen],
            // the event is over: outside its window
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "get",
            "/quan-ly/su-kien/{id}/truc-tiep",
            format!("/quan-ly/su-kien/{event}/truc-tiep"),
            B::None,
            watchers,
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/su-kien/{id}/truc-tiep/luong",
            format!("/quan-ly/su-kien/{event}/truc-tiep/luong"),
            B::None,
            watchers,
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/su-kien/{id}/bao-cao",
            format!("/quan-ly/su-kien/{event}/bao-cao?dinh-dang=csv"),
            B::None,
            watchers,
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/to-cong-nghe/{code}",
            "/quan-ly/to-cong-nghe/16591001",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Facilitator, Auditor],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/to-cong-nghe/{code}/thanh-vien",
            "/quan-ly/to-cong-nghe/16591001/thanh-vien",
            B::Form("csrf={csrf}&username=Facilitator"),
            organisers,
            // already a member: the same answer
            StatusCode::SEE_OTHER,
        ),
        case(
            "get",
            "/quan-ly/to-cong-nghe/{code}/nguoi/{id}",
            format!("/quan-ly/to-cong-nghe/16591001/nguoi/{person}"),
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Facilitator, Auditor],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/to-cong-nghe/{code}/tham",
            "/quan-ly/to-cong-nghe/16591001/tham",
            // The fixture's person is the first registered (checked below).
            B::Form("csrf={csrf}&op=matrix-visit-{who}&person=1&date=2025-11-24&next=x"),
            &[Facilitator],
            StatusCode::SEE_OTHER,
        ),
        case(
            "post",
            "/quan-ly/to-cong-nghe/{code}/lop",
            "/quan-ly/to-cong-nghe/16591001/lop",
            B::Form(
                "csrf={csrf}&op=matrix-class-{who}&module=cong-dan.dien-thoai&place=Nh%C3%A0+v%C4%83n+h%C3%B3a&starts=2025-11-24T19:30",
            ),
            &[Facilitator],
            StatusCode::SEE_OTHER,
        ),
        case(
            "get",
            "/quan-ly/lop-hoc/{id}",
            // The class the fixture opens is the first.
            "/quan-ly/lop-hoc/1",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Facilitator, Auditor],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/lop-hoc/{id}/diem-danh",
            "/quan-ly/lop-hoc/1/diem-danh",
            B::Form("csrf={csrf}&op=matrix-attend-{who}&person=1"),
            &[Facilitator],
            StatusCode::SEE_OTHER,
        ),
        case(
            "post",
            "/quan-ly/lop-hoc/{id}/diem-danh-anh",
            "/quan-ly/lop-hoc/1/diem-danh-anh",
            // not an image: refused once the caller is known to be on the class's team
            B::Photo,
            &[Facilitator],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // Shared devices and supervised sittings (`assisted.rs` tests them in full).
        case(
            "get",
            "/quan-ly/lop-hoc/{id}/may-chung",
            "/quan-ly/lop-hoc/1/may-chung",
            B::None,
            &[Facilitator],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/lop-hoc/{id}/may-chung",
            "/quan-ly/lop-hoc/1/may-chung",
            // no learner picked
            B::Form("csrf={csrf}&op=matrix-assist-{who}&person=x"),
            &[Facilitator],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "post",
            "/quan-ly/lop-hoc/{id}/ma-vao",
            "/quan-ly/lop-hoc/1/ma-vao",
            B::Form("csrf={csrf}"),
            &[Facilitator],
            StatusCode::OK,
        ),
        nobody(
            "get",
            "/lop/{id}/vao/{token}",
            "/lop/1/vao/khong-phai-ma",
            B::None,
        ),
        nobody(
            "post",
            "/lop/{id}/vao/{token}",
            "/lop/1/vao/khong-phai-ma",
            B::Form("csrf={csrf}&identity=038090012345"),
        ),
        nobody("get", "/lop/{id}/hoc", "/lop/1/hoc", B::None),
        nobody(
            "post",
            "/lop/{id}/hoc",
            "/lop/1/hoc",
            B::Form("csrf={csrf}"),
        ),
        case(
            "get",
            "/quan-ly/thi-ho",
            "/quan-ly/thi-ho",
            B::None,
            &[Facilitator],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/thi-ho",
            "/quan-ly/thi-ho",
            // without the member's statement
            B::Form("csrf={csrf}&op=matrix-exam-{who}&card=x"),
            &[Facilitator],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "get",
            "/quan-ly/thi-ho/{sitting}",
            "/quan-ly/thi-ho/999999",
            B::None,
            &[Facilitator],
            // no such sitting
            StatusCode::NOT_FOUND,
        ),
        case(
            "post",
            "/quan-ly/thi-ho/{sitting}",
            "/quan-ly/thi-ho/999999",
            B::Form("csrf={csrf}&position=0&item=x"),
            &[Facilitator],
            StatusCode::NOT_FOUND,
        ),
        case(
            "get",
            "/quan-ly/xa/{code}/thi-ho",
            "/quan-ly/xa/16591/thi-ho",
            B::None,
            organisers,
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/xa/{code}/thi-ho/{sitting}",
            "/quan-ly/xa/16591/thi-ho/999999",
            B::Form("csrf={csrf}&decision=xac-nhan"),
            organisers,
            // no such sitting
            StatusCode::NOT_FOUND,
        ),
        case(
            "get",
            "/quan-ly/danh-muc-tham/{code}",
            "/quan-ly/danh-muc-tham/38",
            B::None,
            &[ProvinceAdmin],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/danh-muc-tham/{code}",
            "/quan-ly/danh-muc-tham/38",
            B::Form("csrf={csrf}&items="),
            &[ProvinceAdmin],
            // an empty checklist
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "get",
            "/quan-ly/cac-to-cong-nghe/{code}",
            "/quan-ly/cac-to-cong-nghe/16591",
            B::None,
            watchers,
            StatusCode::OK,
        ),
        case("get", "/", "/", B::None, all, StatusCode::OK),
        case(
            "get",
            "/don-vi/{code}",
            "/don-vi/16591",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/tim-kiem",
            "/tim-kiem?q=thanh",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/static/{file}",
            stylesheet,
            B::None,
            all,
            StatusCode::OK,
        ),
        case("get", "/hoc", "/hoc", B::None, all, StatusCode::OK),
        case(
            "get",
            "/hoc/{course}",
            "/hoc/cong-dan",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/bai/{lesson}",
            format!("/bai/{LESSON}"),
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "post",
            "/bai/{lesson}/xong",
            format!("/bai/{LESSON}/xong"),
            B::Form("csrf={csrf}"),
            &[Citizen],
            StatusCode::SEE_OTHER,
        ),
        case(
            "get",
            "/hoc/kiem-tra/{module}",
            format!("/hoc/kiem-tra/{MODULE}"),
            B::None,
            &[Citizen],
            StatusCode::OK,
        ),
        case(
            "post",
            "/hoc/kiem-tra/{module}",
            format!("/hoc/kiem-tra/{MODULE}"),
            B::Form("csrf={csrf}&attempt=1&item=x&choice=0"),
            &[Citizen],
            // not the attempt's current question
            StatusCode::CONFLICT,
        ),
        case(
            "get",
            "/hoc/cua-toi",
            "/hoc/cua-toi",
            B::None,
            &[Citizen],
            StatusCode::OK,
        ),
        case(
            "get",
            "/thuc-hanh",
            "/thuc-hanh",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/thuc-hanh/{task}",
            format!("/thuc-hanh/{TASK}"),
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "post",
            "/thuc-hanh/{task}",
            format!("/thuc-hanh/{TASK}"),
            B::Form("csrf={csrf}"),
            &[Citizen],
            // a new attempt's first screen
            StatusCode::OK,
        ),
        case("get", "/sw.js", "/sw.js", B::None, all, StatusCode::OK),
        case(
            "get",
            "/manifest.webmanifest",
            "/manifest.webmanifest",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/ngoai-tuyen",
            "/ngoai-tuyen",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/hoc/tai-ve/{module}",
            format!("/hoc/tai-ve/{MODULE}"),
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/hoc/kiem-tra/{module}/ngoai-tuyen",
            format!("/hoc/kiem-tra/{MODULE}/ngoai-tuyen"),
            B::None,
            &[Citizen],
            StatusCode::OK,
        ),
        case(
            "post",
            "/hoc/dong-bo",
            "/hoc/dong-bo",
            B::Json(r#"{"csrf":"{csrf}","now":0,"items":[]}"#),
            &[Citizen],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/to-cong-nghe/dong-bo",
            "/quan-ly/to-cong-nghe/dong-bo",
            B::Json(r#"{"csrf":"{csrf}","now":0,"items":[]}"#),
            &[Facilitator],
            StatusCode::OK,
        ),
        case(
            "get",
            "/hoc/thi",
            "/hoc/thi",
            B::None,
            &[Citizen],
            StatusCode::OK,
        ),
        case(
            "get",
            "/hoc/chung-chi",
            "/hoc/chung-chi",
            B::None,
            &[Citizen],
            StatusCode::OK,
        ),
        case(
            "get",
            "/hoc/chung-chi/{id}/tai-ve",
            "/hoc/chung-chi/x/tai-ve",
            B::None,
            &[Citizen],
            // no such certificate of this learner
            StatusCode::NOT_FOUND,
        ),
        case(
            "get",
            "/hoc/chung-chi/{id}/pdf/{kho}",
            "/hoc/chung-chi/x/pdf/a4",
            B::None,
            &[Citizen],
            // no such certificate of this learner
            StatusCode::NOT_FOUND,
        ),
        case(
            "get",
            "/chung-chi/{id}",
            "/chung-chi/x",
            B::None,
            all,
            // no such certificate
            StatusCode::NOT_FOUND,
        ),
        case(
            "get",
            "/chung-chi/trang-thai/{list}",
            "/chung-chi/trang-thai/1",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/xac-minh",
            "/xac-minh",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "post",
            "/xac-minh",
            "/xac-minh",
            B::Form("token=x"),
            all,
            // not a credential
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "get",
            "/xac-minh/qr/{payload}",
            "/xac-minh/qr/x.y",
            B::None,
            all,
            // not a payload this issuer signed
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        case(
            "post",
            "/credentials/verify",
            "/credentials/verify",
            B::Json(r#"{"verifiableCredential":"x"}"#),
            all,
            // not a credential: not verified
            StatusCode::BAD_REQUEST,
        ),
        case(
            "post",
            "/presentations/verify",
            "/presentations/verify",
            B::Json(r#"{"verifiablePresentation":"x"}"#),
            all,
            // not a presentation: not verified
            StatusCode::BAD_REQUEST,
        ),
        case(
            "post",
            "/credentials/issue",
            "/credentials/issue",
            B::Json(r#"{"options":{"passId":999}}"#),
            &[ProvinceAdmin, CommuneAdmin, SiblingCommuneAdmin, OrgAdmin],
            // no such pass
            StatusCode::NOT_FOUND,
        ),
        case(
            "get",
            "/.well-known/jwks.json",
            "/.well-known/jwks.json",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/.well-known/did.json",
            "/.well-known/did.json",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/tien-do/{code}",
            "/quan-ly/tien-do/16591",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Auditor],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/to-chuc/{id}/tien-do",
            "/quan-ly/to-chuc/1/tien-do",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, OrgAdmin, Auditor],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/bao-cao/{code}",
            "/quan-ly/bao-cao/16591?dinh-dang=csv",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Auditor],
            StatusCode::OK,
        ),
        case(
            "get",
            "/api/v1/units/{code}/progress",
            "/api/v1/units/16591/progress",
            B::None,
            &[Operator],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/chi-tieu/{code}",
            "/quan-ly/chi-tieu/16591",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Auditor],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/chi-tieu/{code}",
            "/quan-ly/chi-tieu/16591",
            B::Form("csrf={csrf}&kpi=K4&percent=85&deadline=2026-12-31"),
            &[ProvinceAdmin],
            StatusCode::SEE_OTHER,
        ),
        case(
            "post",
            "/quan-ly/chung-chi/{id}/thu-hoi",
            "/quan-ly/chung-chi/x/thu-hoi",
            B::Form("csrf={csrf}&reason=x"),
            &[ProvinceAdmin],
            // no such certificate
            StatusCode::NOT_FOUND,
        ),
        case(
            "post",
            "/hoc/thi/{group}/{kind}",
            "/hoc/thi/adult/dau-vao",
            B::Form("csrf={csrf}"),
            &[Citizen],
            StatusCode::SEE_OTHER,
        ),
        case(
            "get",
            "/hoc/thi/lan/{sitting}",
            "/hoc/thi/lan/999",
            B::None,
            &[Citizen],
            // no such sitting
            StatusCode::NOT_FOUND,
        ),
        case(
            "post",
            "/hoc/thi/lan/{sitting}",
            "/hoc/thi/lan/999",
            B::Form("csrf={csrf}&position=0&item=x&choice=0"),
            &[Citizen],
            // no such sitting
            StatusCode::NOT_FOUND,
        ),
        case(
            "get",
            "/noi-dung/tep/{path}",
            format!("/noi-dung/tep/{IMAGE}"),
            B::None,
            all,
            StatusCode::OK,
        ),
        case("get", "/healthz", "/healthz", B::None, all, StatusCode::OK),
        case("get", "/readyz", "/readyz", B::None, all, StatusCode::OK),
        case("get", "/metrics", "/metrics", B::None, all, StatusCode::OK),
        case(
            "get",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/api/v1/units",
            "/api/v1/units?q=thanh",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/api/v1/units/{code}",
            "/api/v1/units/38",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/api/v1/units/{code}/children",
            "/api/v1/units/38/children",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/api/v1/units/{code}/descendants",
            "/api/v1/units/38/descendants",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "post",
            "/api/v1/units/{code}/villages",
            "/api/v1/units/16591/villages",
            B::Json(r#"{"name":"Thôn Ma Trận"}"#),
            &[Operator],
            StatusCode::CREATED,
        ),
        case(
            "post",
            "/api/v1/villages/import",
            "/api/v1/villages/import",
            B::Csv("ma_xa,ten\n16591,Thôn Ma Trận Hai\n"),
            &[Operator],
            StatusCode::CREATED,
        ),
        case(
            "get",
            "/dang-nhap",
            "/dang-nhap",
            B::None,
            all,
            StatusCode::OK,
        ),
        case(
            "get",
            "/dang-nhap/can-bo",
            "/dang-nhap/can-bo",
            B::None,
            all,
            StatusCode::OK,
        ),
        nobody(
            "post",
            "/dang-nhap",
            "/dang-nhap",
            B::Form("username=khong-co&password=sai-mat-khau-roi"),
        ),
        case(
            "post",
            "/dang-xuat",
            "/dang-xuat",
            B::Form("csrf={csrf}"),
            all,
            StatusCode::SEE_OTHER,
        ),
        case(
            "get",
            "/quan-ly",
            "/quan-ly",
            B::None,
            &STAFF,
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/nguoi",
            "/quan-ly/nguoi?don-vi=16591",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Auditor],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/nguoi/{id}",
            format!("/quan-ly/nguoi/{person}"),
            B::None,
            &[ProvinceAdmin, CommuneAdmin, Facilitator, Auditor],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/nhat-ky",
            "/quan-ly/nhat-ky",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, SiblingCommuneAdmin, Auditor],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/nhap-danh-sach",
            "/quan-ly/nhap-danh-sach",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, SiblingCommuneAdmin, OrgAdmin],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/nhap-danh-sach",
            "/quan-ly/nhap-danh-sach",
            B::Upload,
            &[ProvinceAdmin, CommuneAdmin],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/nhap-dan-so",
            "/quan-ly/nhap-dan-so",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, SiblingCommuneAdmin],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/nhap-dan-so",
            "/quan-ly/nhap-dan-so",
            B::UploadPopulation,
            &[ProvinceAdmin, CommuneAdmin],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/can-bo",
            "/quan-ly/can-bo",
            B::None,
            &[ProvinceAdmin, CommuneAdmin, SiblingCommuneAdmin, OrgAdmin],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/can-bo",
            "/quan-ly/can-bo",
            B::Form(
                "csrf={csrf}&username=ma.tran.{who}&name=Ma+Tr%E1%BA%ADn&password=m%E1%BA%ADt+kh%E1%BA%A9u+%C4%91%E1%BB%A7+d%C3%A0i&role=village_facilitator&scope=16591&other_unit=16591001",
            ),
            &[ProvinceAdmin, CommuneAdmin],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/can-bo/{id}/khoa",
            format!("/quan-ly/can-bo/{facilitator}/khoa"),
            B::Form("csrf={csrf}&disabled=0"),
            &[ProvinceAdmin, CommuneAdmin],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/nguoi/moi",
            "/quan-ly/nguoi/moi",
            B::None,
            &[
                ProvinceAdmin,
                CommuneAdmin,
                SiblingCommuneAdmin,
                Facilitator,
            ],
            StatusCode::OK,
        ),
        case(
            "post",
            "/quan-ly/nguoi/moi",
            "/quan-ly/nguoi/moi",
            B::Form(
                "csrf={csrf}&unit=16591001&name=Ma+Tr%E1%BA%ADn&cccd=038090012377&birth=05%2F01%2F1990",
            ),
            &[ProvinceAdmin, CommuneAdmin, Facilitator],
            StatusCode::OK,
        ),
        case(
            "get",
            "/quan-ly/tai-khoan",
            "/quan-ly/tai-khoan",
            B::None,
            &STAFF,
            StatusCode::OK,
        ),
        nobody(
            "post",
            "/quan-ly/tai-khoan",
            "/quan-ly/tai-khoan",
            B::Form("csrf={csrf}&action=password&current=sai+m%E1%BA%ADt+kh%E1%BA%A9u"),
        ),
        case(
            "get",
            "/dang-nhap/vneid",
            "/dang-nhap/vneid",
            B::None,
            all,
            // VNeID is not configured here (`vneid.rs` signs in with a real provider)
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        case(
            "get",
            "/dang-nhap/vneid/goi-lai",
            "/dang-nhap/vneid/goi-lai?code=x&state=y",
            B::None,
            all,
            // VNeID is not configured here
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        nobody("get", "/dang-ky", "/dang-ky", B::None),
        nobody(
            "post",
            "/dang-ky",
            "/dang-ky",
            B::Form("csrf={csrf}&unit=16591001"),
        ),
        case("get", "/toi", "/toi", B::None, &[Citizen], StatusCode::OK),
    ]
}

/// Denied: 401, 403 or 429 (a sign-in refused, then throttled), or sent to the sign-in page.
fn denied(r: &TestResponse) -> bool {
    matches!(
        r.status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
    ) || (r.status == StatusCode::SEE_OTHER && r.header("location").starts_with("/dang-nhap"))
}

#[tokio::test]
async fn every_route_checks_every_roles_scope() {
    let app = crate::learn::with_curriculum().await;
    let (person, org) = fixture(&app).await;
    let home = app.get("/").await.text();
    let at = home.find("href=\"/static/").unwrap() + 6;
    let stylesheet = home[at..at + home[at..].find('"').unwrap()].to_owned();
    let person_row = app.db.store.person(person).await.unwrap().unwrap();
    let citizen = person_row.summary.id;
    let grants = [
        (
            Who::ProvinceAdmin,
            Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
        ),
        (
            Who::CommuneAdmin,
            Grant::new(
                Role::CommuneAdmin,
                Scope::Unit {
                    path: "38/16591/".into(),
                },
            ),
        ),
        (
            Who::SiblingCommuneAdmin,
            Grant::new(
                Role::CommuneAdmin,
                Scope::Unit {
                    path: "38/16594/".into(),
                },
            ),
        ),
        (
            Who::Facilitator,
            Grant::new(
                Role::VillageFacilitator,
                Scope::Unit {
                    path: "38/16591/16591001/".into(),
                },
            ),
        ),
        (
            Who::OrgAdmin,
            Grant::new(Role::OrgAdmin, Scope::Organisation { id: org }),
        ),
        (
            Who::ContentAuthor,
            Grant::new(Role::ContentAuthor, Scope::Everywhere),
        ),
        (
            Who::Auditor,
            Grant::new(Role::Auditor, Scope::Unit { path: "38/".into() }),
        ),
    ];
    let mut accounts = Vec::new();
    for (who, grant) in grants {
        let id = app
            .db
            .store
            .create_staff(
                &NewStaff {
                    username: format!("{who:?}"),
                    display_name: format!("{who:?}"),
                    password_hash: Secret::new("$argon2id$unused".into()),
                    totp_secret: None,
                    grants: vec![grant],
                },
                AuditEntry::new("test", "staff.create"),
                NOW,
            )
            .await
            .unwrap();
        accounts.push((who, id));
    }

    // Every documented route has a case, and every case a documented route.
    let doc = binhdan_web::openapi();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in &doc.paths.paths {
        let json = serde_json::to_value(item).unwrap();
        for m in ["get", "post", "put", "patch", "delete"] {
            if json.get(m).is_some() {
                // A catch-all segment as the document writes it, `{path}`, not axum's `{*path}`.
                documented.push((m.to_owned(), path.replace("{*", "{")));
            }
        }
    }
    documented.sort();
    let facilitator = accounts
        .iter()
        .find(|(w, _)| *w == Who::Facilitator)
        .unwrap()
        .1;
    // An event that ended more than six hours ago (its live feed ends after the final
    // figures), with a point in the facilitator's village that they host.
    let event = app
        .db
        .store
        .create_event(
            &binhdan_store::NewEvent {
                title: "Lễ ra quân".into(),
                kind: binhdan_store::EventKind::Ceremony,
                unit: code("16591"),
                starts_at: Timestamp(NOW.0 - 10 * 3_600_000),
                ends_at: Timestamp(NOW.0 - 8 * 3_600_000),
                broadcast_url: None,
            },
            "test",
            NOW,
        )
        .await
        .unwrap();
    let point = app
        .db
        .store
        .add_points(
            event,
            &[binhdan_store::NewPoint {
                name: "Điểm thôn Một".into(),
                unit: code("16591001"),
                host_id: facilitator,
                expected: 30,
                token: "matrix-token".into(),
            }],
        )
        .await
        .unwrap()[0];
    // The facilitator is a member of their village's team, which has opened a class.
    app.db
        .store
        .appoint_team_member(
            &code("16591001"),
            facilitator,
            AuditEntry::new("test", "team.appoint"),
            NOW,
        )
        .await
        .unwrap();
    let class = app
        .db
        .store
        .open_class(
            &binhdan_store::NewClass {
                op: "matrix-class-fixture".into(),
                village: code("16591001"),
                module_id: MODULE.into(),
                place: "Nhà văn hóa".into(),
                starts_at: NOW,
                opened_by: facilitator,
            },
            AuditEntry::new("test", "team.class"),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        (class.id, person),
        (1, 1),
        "the matrix names the first class and person"
    );
    let cases = cases(person, facilitator, (event, point), &stylesheet);
    let mut covered: Vec<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_owned(), c.path.to_owned()))
        .collect();
    covered.sort();
    assert_eq!(
        documented, covered,
        "a route without an entry in the matrix (or an entry without a route)"
    );

    let mut failures = Vec::new();
    for c in &cases {
        for who in EVERYONE {
            // A fresh session per request: signing out must not spoil the next case.
            let session = match who {
                Who::Anonymous | Who::Operator => None,
                Who::Citizen => Some(session(&app, SessionOwner::Citizen(citizen)).await),
                w => {
                    let id = accounts.iter().find(|(a, _)| *a == w).unwrap().1;
                    Some(session(&app, SessionOwner::Staff(id)).await)
                }
            };
            let csrf = session
                .as_ref()
                .map(|(_, t)| t.csrf_token().expose().clone())
                .unwrap_or_default();
            let method = if c.method == "post" {
                Method::POST
            } else {
                Method::GET
            };
            let mut r = Request::builder().method(method).uri(&c.uri);
            if let Some((cookie, _)) = &session {
                r = r.header(header::COOKIE, cookie);
            }
            if who == Who::Operator {
                r = r.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
            }
            let body = match &c.body {
                Body2::None => Body::empty(),
                Body2::Form(f) => {
                    r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                    Body::from(
                        f.replace("{csrf}", &csrf)
                            .replace("{who}", &format!("{who:?}").to_lowercase()),
                    )
                }
                Body2::Json(j) => {
                    r = r.header(header::CONTENT_TYPE, "application/json");
                    Body::from(j.replace("{csrf}", &csrf))
                }
                Body2::Csv(t) => {
                    r = r.header(header::CONTENT_TYPE, "text/csv");
                    Body::from(*t)
                }
                Body2::Upload => {
                    let (content_type, body) = multipart(
                        &[("csrf", &csrf), ("unit", "16591"), ("dry_run", "1")],
                        "a.csv",
                        "Họ và tên,Số CCCD,Ngày sinh\nA B,038090099999,01/01/1990\n",
                    );
                    r = r.header(header::CONTENT_TYPE, content_type);
                    Body::from(body)
                }
                Body2::Photo => {
                    let (content_type, body) = multipart(
                        &[
                            ("csrf", &csrf),
                            ("op", &format!("matrix-photo-{who:?}").to_lowercase()),
                        ],
                        "a.csv",
                        "not a photo",
                    );
                    r = r.header(header::CONTENT_TYPE, content_type);
                    Body::from(body.replace("name=\"file\"", "name=\"photo\""))
                }
                Body2::UploadPopulation => {
                    let (content_type, body) = multipart(
                        &[("csrf", &csrf), ("dry_run", "1")],
                        "a.csv",
                        "Mã đơn vị,Nhóm,Số lượng\n16591,Người trưởng thành,1200\n",
                    );
                    r = r.header(header::CONTENT_TYPE, content_type);
                    Body::from(body)
                }
            };
            let response = app.send(r.body(body).unwrap()).await;
            // Admitted: exactly the route's status (and never a detour to the sign-in page);
            // refused otherwise.
            let expected = c.status.filter(|_| c.allowed.contains(&who));
            let wrong = match expected {
                Some(status) => response.status != status || denied(&response),
                None => !denied(&response),
            };
            if wrong {
                failures.push(format!(
                    "{} {} as {who:?}: expected {}, got {} {}",
                    c.method.to_uppercase(),
                    c.uri,
                    expected.map_or_else(|| "deny".to_owned(), |s| s.to_string()),
                    response.status,
                    response.header("location")
                ));
            }
            assert_ne!(
                response.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{} {} as {who:?}",
                c.method,
                c.uri
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
