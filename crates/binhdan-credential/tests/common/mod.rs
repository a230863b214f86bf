#![allow(dead_code, clippy::unwrap_used)]
//! A sample certificate shared by the integration tests.

use binhdan_credential::credential::{
    AchievementSpec, CertificateSpec, Competence, Holder, Level, Profile, StatusListEntry,
    identity_hash,
};
use binhdan_credential::{AchievementCredential, Date, IssuerKey, KeyRing, Timestamp};

pub const DID: &str = "did:web:binhdan.gov.vn";
pub const KID_2026: &str = "did:web:binhdan.gov.vn#key-2026";
pub const KID_2027: &str = "did:web:binhdan.gov.vn#key-2027";
pub const LIST_URL: &str = "https://binhdan.gov.vn/trang-thai/1";

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

pub fn issuer() -> Profile {
    Profile::new(
        DID,
        "Bộ Giáo dục và Đào tạo — Bình dân học vụ số",
        Some("https://binhdan.gov.vn"),
    )
}

pub fn spec() -> CertificateSpec {
    CertificateSpec {
        id: "urn:uuid:5f1c2a9e-3b4d-4c6e-8f10-1a2b3c4d5e6f".to_owned(),
        issuer: issuer(),
        valid_from: ts("2026-11-20T09:00:00Z"),
        valid_until: None,
        holder: Holder {
            identity_hash: identity_hash("001090012345", "muoi-ngau-nhien"),
            salt: "muoi-ngau-nhien".to_owned(),
            full_name: "Nguyễn Thị Ánh".to_owned(),
            birth_date: Date::parse("1990-05-17").unwrap(),
        },
        achievement: AchievementSpec {
            id: "https://binhdan.gov.vn/thanh-tich/pho-cap-so".to_owned(),
            code: "BDHVS-PC".to_owned(),
            name: "Chứng nhận kiến thức, kỹ năng số phổ cập".to_owned(),
            description: "Chứng nhận người học đã đạt bài thi sát hạch kiến thức, kỹ năng số phổ cập của phong trào Bình dân học vụ số.".to_owned(),
            criteria: "Đạt bài thi sát hạch trực tuyến trên nền tảng Bình dân học vụ số.".to_owned(),
            framework_name: "Khung năng lực số cho người học".to_owned(),
            framework_url: "https://binhdan.gov.vn/khung-nang-luc-so".to_owned(),
            competences: vec![
                Competence { code: "1.1".to_owned(), name: "Duyệt, tìm kiếm và lọc dữ liệu, thông tin".to_owned() },
                Competence { code: "4.2".to_owned(), name: "Bảo vệ dữ liệu cá nhân và quyền riêng tư".to_owned() },
            ],
            levels: vec![
                Level { code: "CB1".to_owned(), name: "Cơ bản 1".to_owned() },
                Level { code: "CB2".to_owned(), name: "Cơ bản 2".to_owned() },
                Level { code: "TC1".to_owned(), name: "Trung cấp 1".to_owned() },
            ],
            achieved_level: "CB2".to_owned(),
        },
        status: Some(StatusListEntry::revocation(LIST_URL, 94_567)),
    }
}

pub fn credential() -> AchievementCredential {
    AchievementCredential::build(&spec()).unwrap()
}

pub fn key(kid: &str, seed: u8) -> IssuerKey {
    IssuerKey::from_seed(kid, &[seed; 32]).unwrap()
}

/// Key 2026 retired, key 2027 current.
pub fn ring() -> KeyRing {
    let mut ring = KeyRing::new();
    ring.insert(key(KID_2026, 1).public().retired()).unwrap();
    ring.insert(key(KID_2027, 2).public()).unwrap();
    ring
}
