//! `createTags`, `deleteTags`, `listTags`.

use super::{async_reply, paged, paging, want, Ctx, Handlers, Keyword};
use crate::sim::params::Params;
use crate::sim::respond::{ApiError, Reply};
use crate::sim::state::jobs::{Action, NewJob};
use crate::sim::state::{ResourceType, State, Tag};

/// The commands of this group.
pub(crate) const HANDLERS: Handlers = &[
    ("createTags", create_tags),
    ("deleteTags", delete_tags),
    ("listTags", list_tags),
];

const CREATE_CMD: &str = "org.apache.cloudstack.api.command.user.tag.CreateTagsCmd";
const DELETE_CMD: &str = "org.apache.cloudstack.api.command.user.tag.DeleteTagsCmd";

/// Resolves the type and the ids, or the job failure the server would report.
fn resources(ctx: &Ctx<'_>, params: &Params) -> Result<(ResourceType, Vec<String>), (u16, String)> {
    let text = params.get("resourcetype").unwrap_or_default();
    let kind =
        ResourceType::parse(text).ok_or_else(|| (530, format!("Invalid resource type {text}")))?;
    let mut ids = Vec::new();
    for id in params.list("resourceids") {
        if !ctx.st.resource_exists(kind, id) {
            return Err((
                530,
                format!(
                    "Unable to find resource by id {id} and type {}",
                    kind.as_str()
                ),
            ));
        }
        ids.push(id.to_ascii_lowercase());
    }
    Ok((kind, ids))
}

pub(crate) fn create_tags(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let pairs = params.key_values("tags");
    if pairs.is_empty() {
        return Err(ApiError::bad_value(ctx.command(), "{}", "tags"));
    }
    for (key, value) in &pairs {
        if value.is_none_or(str::is_empty) {
            return Err(ApiError::invalid(format!(
                "Value for the key {key} is either null or empty"
            )));
        }
    }
    let mut tags = Vec::new();
    let failure = match resources(ctx, params) {
        Err(failure) => Some(failure),
        Ok((kind, ids)) => {
            let mut failure = None;
            'outer: for id in &ids {
                for (key, value) in &pairs {
                    let duplicate = ctx.st.tags_of(id).any(|t| t.key == *key)
                        || tags
                            .iter()
                            .any(|t: &Tag| t.resourceid == *id && t.key == *key);
                    if duplicate {
                        failure = Some((
                            530,
                            format!("tag {key} already on {} with id {id}", kind.as_str()),
                        ));
                        break 'outer;
                    }
                    tags.push(Tag {
                        key: key.to_string(),
                        value: value.unwrap_or_default().to_string(),
                        resourcetype: kind,
                        resourceid: id.clone(),
                        removed: false,
                    });
                }
            }
            failure
        }
    };
    let job = NewJob {
        cmd: CREATE_CMD,
        instance_type: None,
        instance_id: None,
        action: Action::Effect(Box::new(move |st: &mut State| {
            for tag in tags {
                st.add_tag(tag);
            }
            serde_json::json!({ "success": true })
        })),
        failure,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}

pub(crate) fn delete_tags(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let keys: Vec<(String, Option<String>)> = params
        .key_values("tags")
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect();
    let (ids, failure) = match resources(ctx, params) {
        Err(failure) => (Vec::new(), Some(failure)),
        Ok((kind, ids)) => {
            let found = ids.iter().any(|id| {
                ctx.st.tags_of(id).any(|t| {
                    t.resourcetype == kind
                        && (keys.is_empty()
                            || keys.iter().any(|(k, v)| {
                                t.key == *k && v.as_ref().is_none_or(|v| t.value == *v)
                            }))
                })
            });
            let failure = (!found).then(|| {
                (
                    530,
                    "Unable to find any tags which conform to specified delete parameters."
                        .to_string(),
                )
            });
            (ids, failure)
        }
    };
    let job = NewJob {
        cmd: DELETE_CMD,
        instance_type: None,
        instance_id: None,
        action: Action::Effect(Box::new(move |st: &mut State| {
            for id in ids {
                st.remove_tags(&id, |tag| {
                    keys.is_empty()
                        || keys.iter().any(|(k, v)| {
                            tag.key == *k && v.as_ref().is_none_or(|v| tag.value == *v)
                        })
                });
            }
            serde_json::json!({ "success": true })
        })),
        failure,
    };
    let job = ctx.st.create_job(job, ctx.now, ctx.wall, ctx.now);
    Ok(async_reply(ctx, None, job))
}

pub(crate) fn list_tags(ctx: &mut Ctx<'_>, params: &Params) -> Result<Reply, ApiError> {
    let page = paging(params)?;
    let keyword = Keyword::new(params);
    let (kind, resource) = (want(params, "resourcetype"), want(params, "resourceid"));
    let (key, value) = (params.get("key"), params.get("value"));
    let st = &*ctx.st;
    let scope = crate::sim::state::tenants::list_scope(st, &ctx.caller, params)?;
    let wanted = params.get("customer").is_none();
    let matches: Vec<usize> = (0..st.tags.len())
        .filter(|&i| {
            let tag = &st.tags[i];
            wanted
                && !tag.removed
                && kind.allows(tag.resourcetype.as_str())
                && resource.allows(&tag.resourceid)
                && scope.shows_id(&st.tenants, &tag.resourceid)
                && key.is_none_or(|k| k == tag.key)
                && value.is_none_or(|v| v == tag.value)
                && keyword.allows(&[&tag.key, &tag.value])
        })
        .collect();
    Ok(paged(ctx, "tag", &matches, &page, |i| {
        st.tag_view(&st.tags[i])
    }))
}
