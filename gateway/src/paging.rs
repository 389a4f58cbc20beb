//! Cursor paging. Ids are UUIDv7, so `ORDER BY id` is creation order and the
//! cursor is simply the last id of the page: stable under inserts, no offsets.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// `limit` and `cursor` of a list request, checked.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    /// Items after this id.
    pub after: Option<Uuid>,
}

impl PageRequest {
    pub fn new(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(Uuid::parse_str(c).map_err(|_| {
                ApiError::invalid_field("cursor", "is not a cursor this API gave out")
            })?),
        };
        Ok(PageRequest { limit, after })
    }

    /// Rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

/// One page of a list, with the cursor of the next page if there is one.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows.
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, id: impl Fn(&T) -> Uuid) -> Self {
        let more = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| id(last).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_carry_a_cursor_only_when_more_follow() {
        let request = PageRequest::new(Some(2), None).unwrap();
        let ids: Vec<Uuid> = (1..=3).map(Uuid::from_u128).collect();
        let page = Page::from_rows(ids.clone(), request, |id| *id);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next_cursor, Some(ids[1].to_string()));
        let last = Page::from_rows(ids[..2].to_vec(), request, |id| *id);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn bad_limits_and_cursors_name_the_field() {
        assert_eq!(
            PageRequest::new(Some(0), None).unwrap_err().fields[0].field,
            "limit"
        );
        assert_eq!(
            PageRequest::new(Some(101), None).unwrap_err().fields[0].field,
            "limit"
        );
        assert_eq!(
            PageRequest::new(None, Some("x")).unwrap_err().fields[0].field,
            "cursor"
        );
    }
}
