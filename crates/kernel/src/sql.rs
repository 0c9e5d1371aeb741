//! Raw SQL, where measured faster or plainer than the query builder: written
//! once with `?` placeholders and numbered (`$1`) for PostgreSQL. Rows are decoded by a
//! `#[derive(FromQueryResult)]` struct of the store that reads them ([`fetch_all`],
//! [`fetch_one`]), never column by column.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};

/// A statement for the engine, `?` placeholders numbered for PostgreSQL.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let text = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, text, values)
}

/// Every row a statement returns, decoded as `T`.
pub async fn fetch_all<T: FromQueryResult>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, DbErr> {
    T::find_by_statement(stmt(c.get_database_backend(), sql, values))
        .all(c)
        .await
}

/// The first row a statement returns, decoded as `T`.
pub async fn fetch_one<T: FromQueryResult>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<T>, DbErr> {
    T::find_by_statement(stmt(c.get_database_backend(), sql, values))
        .one(c)
        .await
}

/// `(?,?,…)` groups for a multi-row statement: `rows` groups of `cols` placeholders.
pub fn groups(rows: usize, cols: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(","));
    vec![one; rows].join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered() {
        let s = stmt(
            DbBackend::Postgres,
            "SELECT ? + ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(s.sql, "SELECT $1 + $2");
        assert_eq!(groups(2, 2), "(?,?),(?,?)");
    }
}
