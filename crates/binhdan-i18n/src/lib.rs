//! i18n (being built).
