//! Reading rows by column name, and stored states into domain types. A stored state the
//! domain does not know is a decode error (the request fails and is logged), never a default.

use sqlx::Row;
use sqlx::any::AnyRow;
use std::borrow::Cow;

/// The column `name` of a table whose columns a joined statement aliased with `prefix`
/// (`i_id` for `i.id AS i_id`); plain `name` without a prefix.
fn column<'a>(prefix: &str, name: &'a str) -> Cow<'a, str> {
    if prefix.is_empty() { Cow::Borrowed(name) } else { Cow::Owned(format!("{prefix}{name}")) }
}

/// Reads column `name` (after `prefix`).
pub(crate) fn get<'r, T>(row: &'r AnyRow, prefix: &str, name: &str) -> Result<T, sqlx::Error>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(&*column(prefix, name))
}

/// Reads a stored text column (after `prefix`) into a domain type; an unknown value is a
/// [`sqlx::Error::ColumnDecode`] naming the column.
pub(crate) fn stored<T>(row: &AnyRow, prefix: &str, name: &str) -> Result<T, sqlx::Error>
where
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    let name = column(prefix, name);
    let text: String = row.try_get(&*name)?;
    text_as(&name, text)
}

/// [`stored`] for a nullable column: NULL is `None`, an unknown value still an error.
pub(crate) fn stored_opt<T>(row: &AnyRow, prefix: &str, name: &str) -> Result<Option<T>, sqlx::Error>
where
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    let name = column(prefix, name);
    let text: Option<String> = row.try_get(&*name)?;
    text.map(|t| text_as(&name, t)).transpose()
}

/// A stored text already read (from a column, or a field of an aggregated JSON column)
/// into a domain type; an unknown value is a [`sqlx::Error::ColumnDecode`] naming `column`.
pub(crate) fn text_as<T>(column: &str, text: String) -> Result<T, sqlx::Error>
where
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    T::try_from(text).map_err(|e| sqlx::Error::ColumnDecode { index: column.to_owned(), source: Box::new(e) })
}

/// Reads a 0/1 flag stored as an integer (both engines store flags that way).
pub(crate) fn flag(row: &AnyRow, prefix: &str, name: &str) -> Result<bool, sqlx::Error> {
    Ok(get::<i64>(row, prefix, name)? != 0)
}
