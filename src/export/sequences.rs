//! A sequence's definition: `as` always (so the declaration is a
//! definition), the other options only where they differ from `CREATE
//! SEQUENCE`'s defaults for that type and direction, `owned_by` when a
//! column of the same schema owns it.

use super::state::Relation;
use super::yaml::Map;
use super::{Ctx, Out};

/// Adds the definition keys of sequence `r` to `m`.
pub fn definition(_ctx: &Ctx<'_>, r: &Relation, m: &mut Map, out: &mut Out) {
    let Some(q) = &r.sequence else { return };
    let (type_min, type_max) = match q.type_.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let ascending = q.increment > 0;
    let (min, max) = if ascending {
        (1, type_max)
    } else {
        (type_min, -1)
    };
    let start = if ascending { q.min_value } else { q.max_value };
    m.insert("as", q.type_.as_str());
    if q.start != start {
        m.insert("start", q.start);
    }
    if q.increment != 1 {
        m.insert("increment", q.increment);
    }
    if q.min_value != min {
        m.insert("min_value", q.min_value);
    }
    if q.max_value != max {
        m.insert("max_value", q.max_value);
    }
    if q.cache != 1 {
        m.insert("cache", q.cache);
    }
    if q.cycle {
        m.insert("cycle", true);
    }
    if let Some(b) = &q.owned_by {
        if b.schema == r.schema && !b.table.contains('.') {
            m.insert("owned_by", format!("{}.{}", b.table, b.column));
        } else {
            out.not_exported(format!(
                "sequence `{}.{}`: OWNED BY `{}.{}.{}` (another schema)",
                r.schema, r.name, b.schema, b.table, b.column
            ));
        }
    }
}
