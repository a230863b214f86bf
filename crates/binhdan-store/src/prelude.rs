//! What the shared SQL files (`shared/*.rs`) see, imported by each backend module.

pub(crate) use async_trait::async_trait;
pub(crate) use binhdan_core::Timestamp;
pub(crate) use binhdan_core::demo::PopulationFigure;
pub(crate) use binhdan_core::kpi::Group;
pub(crate) use binhdan_core::reference::AdminUnit;
pub(crate) use binhdan_core::unit::{Unit, UnitCode, UnitLevel};

pub(crate) use crate::{
    ContentLoadReport, ContentStore, CourseOutline, CourseSummary, Dialect, LessonPage, LessonRef,
    ModuleOutline, NewVillage, OpsStore, PopulationStore, Result, StoreConfig, StoreError,
    SubtreeCounts, UnitQuery, UnitStore, WriteMode,
};
