//! Where the warehouse's tables live: on one server, or on a cluster of
//! shards and replicas (`ENCORE_CLICKHOUSE_CLUSTER`, the `<remote_servers>`
//! name).
//!
//! The migrations are written once, for one server. On a cluster each of
//! their statements is rewritten here, so the two shapes cannot drift apart:
//!
//! - **Sharded tables** ([`SHARDED`]: `plays` and everything fed from it, and
//!   the search events) become `<name>_local`, a `Replicated*MergeTree` per
//!   shard, behind a `Distributed` table under the original name. Readers
//!   and writers keep using the original name. A listener's plays all land
//!   on one shard (sharding by `user_id`), so every duplicate of an event is
//!   on the shard that holds the event, and `FINAL` per shard is exact.
//! - **Everywhere tables** (the rest: dimensions, features, bookkeeping) are
//!   replicated to every server of the cluster, under their own name, so a
//!   query that joins a sharded table with a dimension finds the whole
//!   dimension on every shard and never needs a distributed join.
//! - Materialized views over a sharded table read its local table (they run
//!   where the insert lands) and write a local table; views and `DROP` run
//!   on every server (`ON CLUSTER`); `ALTER` goes to the local tables.

use std::borrow::Cow;

mod text;

use self::text::{after_name, engine, find_word, name_at};

/// The sharded tables and their sharding keys. A table fed by a materialized
/// view is written locally, by the view, so its key only routes the rows an
/// `INSERT ... SELECT` sends through its `Distributed` table.
pub const SHARDED: &[(&str, &str)] = &[
    ("plays", "cityHash64(toString(user_id))"),
    ("plays_by_track", "cityHash64(toString(user_id))"),
    ("plays_by_user", "cityHash64(toString(user_id))"),
    ("plays_by_user_track", "cityHash64(toString(user_id))"),
    ("user_first_play", "cityHash64(toString(user_id))"),
    ("track_hourly_listeners", "rand()"),
    ("track_daily_listeners", "rand()"),
    ("track_hourly_state", "rand()"),
    ("user_track_affinity", "cityHash64(toString(user_id))"),
    ("session_buckets_written", "rand()"),
    ("search_events", "cityHash64(toString(search_id))"),
];

/// One server, or a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    cluster: Option<String>,
}

impl Layout {
    /// One server: statements run as written.
    pub fn single() -> Self {
        Layout { cluster: None }
    }

    /// The cluster named `name` in the servers' `<remote_servers>`.
    pub fn cluster(name: &str) -> Self {
        Layout {
            cluster: Some(name.to_string()),
        }
    }

    /// `ENCORE_CLICKHOUSE_CLUSTER`: a cluster when set and not empty.
    pub fn from_env() -> Self {
        match std::env::var("ENCORE_CLICKHOUSE_CLUSTER") {
            Ok(name) if !name.trim().is_empty() => Layout::cluster(name.trim()),
            _ => Layout::single(),
        }
    }

    pub fn cluster_name(&self) -> Option<&str> {
        self.cluster.as_deref()
    }

    /// ` ON CLUSTER <name>`, or nothing on one server.
    pub fn on_cluster(&self) -> String {
        match &self.cluster {
            Some(name) => format!(" ON CLUSTER {name}"),
            None => String::new(),
        }
    }

    /// What an `ALTER TABLE` names to change `table`: the table itself on one
    /// server; on a cluster, a sharded table's local tables on every shard.
    /// An everywhere table is altered where the client is: its replicas
    /// share one replication log, which carries the change to the others
    /// (`ON CLUSTER` would make each shard wait for the table's one leader,
    /// which lives on only one of them, and stall the DDL queue).
    pub fn altered(&self, table: &str) -> String {
        match &self.cluster {
            Some(_) if sharding_key(table).is_some() => {
                format!("{table}_local{}", self.on_cluster())
            }
            _ => table.to_string(),
        }
    }

    /// The table that holds `table`'s rows on the server a client talks to
    /// (what `system.parts` lists): `<table>_local` for a sharded table on a
    /// cluster, the table itself otherwise.
    pub fn stored(&self, table: &str) -> String {
        match &self.cluster {
            Some(_) if sharding_key(table).is_some() => format!("{table}_local"),
            _ => table.to_string(),
        }
    }

    /// `statement`, written for one server, as it runs in this layout in
    /// `database`: one statement or several, in order.
    pub fn statements(&self, statement: &str, database: &str) -> Vec<String> {
        let Some(cluster) = &self.cluster else {
            return vec![statement.to_string()];
        };
        self.shaped(statement, database, cluster)
            .iter()
            .map(|s| qualified(s, database))
            .collect()
    }

    fn shaped(&self, statement: &str, database: &str, cluster: &str) -> Vec<String> {
        let words: Vec<&str> = statement.split_whitespace().take(8).collect();
        let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
        let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
        match upper.as_slice() {
            ["CREATE", "TABLE", ..] => create_table(statement, database, cluster),
            ["CREATE", "MATERIALIZED", "VIEW", ..] => create_view(statement, database, cluster),
            ["CREATE", "VIEW", ..] => {
                vec![after_name(&global_joins(statement), 2, &self.on_cluster())]
            }
            ["DROP", "TABLE", ..] => {
                let (name, _) = name_at(statement, 2);
                let mut out = Vec::new();
                if sharding_key(&name).is_some() {
                    // The Distributed table first: it reads the local one.
                    out.push(after_name(statement, 2, &self.on_cluster()));
                    let local = statement.replacen(&name, &format!("{name}_local"), 1);
                    out.push(after_name(&local, 2, &self.on_cluster()));
                } else {
                    out.push(after_name(statement, 2, &self.on_cluster()));
                }
                out
            }
            ["ALTER", "TABLE", ..] => {
                let (name, end) = name_at(statement, 2);
                vec![format!(
                    "ALTER TABLE {}{}",
                    self.altered(&name),
                    &statement[end..]
                )]
            }
            _ => vec![statement.to_string()],
        }
    }

    /// Settings every client of this layout sends. On a cluster:
    /// - an insert into a `Distributed` table returns only once every shard
    ///   has its rows, so a consumer that commits its offsets after the
    ///   insert loses nothing when the server it wrote to dies with rows
    ///   still queued;
    /// - reads and writes go to each shard's first live replica, in the
    ///   order `<remote_servers>` lists them, so a read sees what was just
    ///   written instead of a replica that has not fetched it yet; when that
    ///   replica dies both move to the next;
    /// - a block written again is written again, as on one server (whose
    ///   `MergeTree` tables never deduplicate blocks). A `Replicated` table
    ///   would drop a repeated block and, with it, the push to its
    ///   materialized views; a replica killed after its `plays` part was
    ///   committed but before its views' parts were left the retry nothing
    ///   to fill them with. Repeats are harmless here: `plays` is replaced
    ///   by event id and the aggregates are sets (migration 0007).
    pub fn settings(&self) -> &'static [(&'static str, &'static str)] {
        match self.cluster {
            Some(_) => &[
                ("insert_distributed_sync", "1"),
                ("load_balancing", "in_order"),
                ("insert_deduplicate", "0"),
            ],
            None => &[],
        }
    }
}

/// The sharding key of `table`, if it is sharded.
pub fn sharding_key(table: &str) -> Option<&'static str> {
    SHARDED
        .iter()
        .find(|(name, _)| *name == table)
        .map(|(_, key)| *key)
}

/// `Replicated<engine>` over a ZooKeeper path: per shard for sharded tables
/// (`{shard}` is each server's macro), one for the whole cluster otherwise.
fn replicated(name: &str, args: &str, database: &str, table: &str, sharded: bool) -> String {
    let path = if sharded {
        format!("/clickhouse/tables/{{shard}}/{database}/{table}")
    } else {
        format!("/clickhouse/tables/all/{database}/{table}")
    };
    let mut all = vec![format!("'{path}'"), "'{replica}'".to_string()];
    if !args.is_empty() {
        all.push(args.to_string());
    }
    format!("ENGINE = Replicated{name}({})", all.join(", "))
}

fn create_table(statement: &str, database: &str, cluster: &str) -> Vec<String> {
    let (name, name_end) = name_at(statement, 2);
    let Some((start, end, engine_name, args)) = engine(statement) else {
        return vec![after_name(statement, 2, &format!(" ON CLUSTER {cluster}"))];
    };
    let head = &statement[..name_end];
    let body = &statement[name_end..start];
    let tail = &statement[end..];
    match sharding_key(&name) {
        None => {
            let engine = replicated(&engine_name, &args, database, &name, false);
            vec![format!("{head} ON CLUSTER {cluster}{body}{engine}{tail}")]
        }
        Some(key) => {
            let local = format!("{name}_local");
            let head_local = head.replacen(&name, &local, 1);
            let engine = replicated(&engine_name, &args, database, &local, true);
            vec![
                format!("{head_local} ON CLUSTER {cluster}{body}{engine}{tail}"),
                distributed(&name, database, cluster, key),
            ]
        }
    }
}

fn distributed(name: &str, database: &str, cluster: &str, key: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {name} ON CLUSTER {cluster} AS {database}.{name}_local \
         ENGINE = Distributed({cluster}, {database}, {name}_local, {key})"
    )
}

/// A materialized view: over a sharded table it reads the local table and
/// writes a local one (its own, or its `TO` target's).
fn create_view(statement: &str, database: &str, cluster: &str) -> Vec<String> {
    let (name, name_end) = name_at(statement, 3);
    let (definition, select) = match find_word(statement, "SELECT") {
        Some(at) => statement.split_at(at),
        None => (statement, ""),
    };
    let select = local_sources(select);
    let sharded_view = sharding_key(&name).is_some();
    let head = &definition[..name_end];
    let mut rest = definition[name_end..].to_string();
    if let Some(target) = to_target(&rest) {
        if sharding_key(&target).is_some() {
            rest = rest.replacen(&target, &format!("{target}_local"), 1);
        }
    }
    let view_name = if sharded_view {
        format!("{name}_local")
    } else {
        name.clone()
    };
    if let Some((start, end, engine_name, args)) = engine(&rest) {
        let engine = replicated(&engine_name, &args, database, &view_name, sharded_view);
        rest = format!("{}{engine}{}", &rest[..start], &rest[end..]);
    }
    let head = head.replacen(&name, &view_name, 1);
    let mut out = vec![format!("{head} ON CLUSTER {cluster}{rest}{select}")];
    if let Some(key) = sharding_key(&name) {
        out.push(distributed(&name, database, cluster, key));
    }
    out
}

/// The `TO <table>` of a view definition's head.
fn to_target(head: &str) -> Option<String> {
    let mut words = head.split_whitespace();
    while let Some(word) = words.next() {
        if word.eq_ignore_ascii_case("TO") {
            return words.next().map(str::to_string);
        }
    }
    None
}

/// A view's query with every sharded table it reads from replaced by its
/// local table.
fn local_sources(select: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(select.len());
    let mut changed = false;
    let mut rest = select;
    while let Some(at) = find_word(rest, "FROM") {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        let trimmed = after.trim_start();
        out.push_str(&after[..after.len() - trimmed.len()]);
        let end = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        let table = &trimmed[..end];
        out.push_str(table);
        if sharding_key(table).is_some() {
            out.push_str("_local");
            changed = true;
        }
        rest = &trimmed[end..];
    }
    if !changed {
        return Cow::Borrowed(select);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `statement` with every join made `GLOBAL`: its right side is read once,
/// on the server that runs the query, and sent to the shards, instead of each
/// shard joining with its own replica of a dimension, which may not have
/// fetched a row the initiator already holds. A join outside a distributed
/// query is unchanged by it.
fn global_joins(statement: &str) -> String {
    const MODIFIERS: [&str; 10] = [
        "ANY", "ALL", "INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS", "SEMI", "ANTI",
    ];
    let mut out = String::with_capacity(statement.len() + 32);
    let mut rest = statement;
    while let Some(at) = find_word(rest, "JOIN") {
        // Back over the join's modifiers to where the clause starts.
        let mut start = at;
        loop {
            let before = rest[..start].trim_end();
            let word_start = before
                .rfind(|c: char| c.is_whitespace() || c == ')')
                .map_or(0, |i| i + 1);
            let word = before[word_start..].to_ascii_uppercase();
            if MODIFIERS.contains(&word.as_str()) {
                start = word_start;
            } else {
                let global = word == "GLOBAL";
                out.push_str(&rest[..start]);
                if !global {
                    out.push_str("GLOBAL ");
                }
                break;
            }
        }
        out.push_str(&rest[start..at + 4]);
        rest = &rest[at + 4..];
    }
    out.push_str(rest);
    out
}

/// `statement` with every table it reads or writes (after `FROM`, `JOIN`,
/// `TO` and `INTO`) named with its database. A statement `ON CLUSTER` runs
/// on each server in that server's default database, which is not ours; the
/// object a statement creates, drops or alters is placed by ClickHouse itself.
fn qualified(statement: &str, database: &str) -> String {
    let mut out = String::with_capacity(statement.len() + 64);
    let mut rest = statement;
    loop {
        let next = ["FROM", "JOIN", "TO", "INTO"]
            .iter()
            .filter_map(|w| find_word(rest, w).map(|at| (at, w.len())))
            .min();
        let Some((at, len)) = next else { break };
        let (before, after) = rest.split_at(at + len);
        out.push_str(before);
        let trimmed = after.trim_start();
        out.push_str(&after[..after.len() - trimmed.len()]);
        let end = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(trimmed.len());
        let name = &trimmed[..end];
        let is_table = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if is_table && !name.contains('.') {
            out.push_str(database);
            out.push('.');
        }
        out.push_str(name);
        rest = &trimmed[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
