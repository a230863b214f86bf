//! What the shared SQL modules (`sql/*.rs`) and the backends import, all at once.

pub(crate) use async_trait::async_trait;
pub(crate) use binhdan_core::Timestamp;
pub(crate) use binhdan_core::demo::PopulationFigure;
pub(crate) use binhdan_core::kpi::{Group, Kpi, Target};
pub(crate) use binhdan_core::reference::AdminUnit;
pub(crate) use binhdan_core::unit::{Unit, UnitCode, UnitLevel};

pub(crate) use crate::Entity;
pub(crate) use crate::{
    AbilityRecord, AdultCutoff, AnswerOutcome, AnswerRecord, AssessmentStore, Attempt, AuditStore,
    CalibrationRun, CalibrationStore, CertificateRecord, CertificateSlot, CertificateStore,
    CheckInOutcome, CheckInVia, CheckInView, CheckInsDone, ContentLoadReport, ContentStore,
    CounterDifference, CounterRebuild, CounterStore, CourseOutline, CourseProgress, CourseSummary,
    CredentialChange, DashboardStore, Dialect, EventKind, EventRecord, EventStore, ExamAnswer,
    ExamAnswerOutcome, ExamAttempt, ExamItem, ExamKind, ExamLimits, ExamPass, ExamResult,
    ExamStart, Finished, ItemParameter, LearningStore, LessonDone, LessonPage, LessonRef,
    MembershipRecord, MembershipView, ModuleOutline, ModuleQuiz, NewAnswer, NewCheckIn, NewEvent,
    NewExamAttempt, NewOrganisation, NewPoint, NewStaff, NewVillage, OpsStore, OrgKind,
    Organisation, OrganisationFigure, OutboxMessage, PeopleImport, PeopleStore, PeopleWriteCounts,
    PersonDetail, PersonRecord, PersonSummary, PlannedItem, PointRecord, PopulationStore, Reach,
    Result, ScoredResponse, ScoredTask, SessionOwner, SessionRecord, SignedCertificate,
    StaffAccount, StaffStore, StaffWithin, StoreConfig, StoreError, StoredIssuerKey, SubtreeCounts,
    TargetStore, TaskParameter, UnitFigure, UnitQuery, UnitStore, UnitTarget, WriteMode,
    WriteOutcome,
};
pub(crate) use binhdan_auth::access::{Grant, Role, Scope};
pub(crate) use binhdan_core::Secret;
pub(crate) use binhdan_core::audit::{AuditEntry, AuditRecord};
pub(crate) use binhdan_core::cccd::Sex;
