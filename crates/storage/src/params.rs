//! Query parameters whose SQL is built from a column list (the importer's upserts).

use uuid::Uuid;

/// One bound value. Every variant encodes on both backends.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Uuid(Uuid),
    OptUuid(Option<Uuid>),
    Text(Option<String>),
    Real(Option<f64>),
    Int(Option<i64>),
    Bool(bool),
    Time(Option<jiff_sqlx::Timestamp>),
    Date(jiff_sqlx::Date),
}

impl Param {
    pub(crate) fn text(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }

    pub(crate) fn opt_text(value: &Option<String>) -> Self {
        Self::Text(value.clone())
    }

    pub(crate) fn time(value: Option<jiff::Timestamp>) -> Self {
        Self::Time(value.map(jiff_sqlx::ToSqlx::to_sqlx))
    }
}

/// Binds every parameter of `$params` (an iterator of [`Param`]) to `$query`, in order.
macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                $crate::params::Param::Uuid(v) => query.bind(v),
                $crate::params::Param::OptUuid(v) => query.bind(v),
                $crate::params::Param::Text(v) => query.bind(v),
                $crate::params::Param::Real(v) => query.bind(v),
                $crate::params::Param::Int(v) => query.bind(v),
                $crate::params::Param::Bool(v) => query.bind(v),
                $crate::params::Param::Time(v) => query.bind(v),
                $crate::params::Param::Date(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(crate) use bind_all;
