"""JSON Schemas written from the specifications' text, for the files and feeds the project gives out.

- Podcasting 2.0 transcript JSON (podcast-namespace docs/examples/transcripts/transcripts.md):
  `version`, `segments[]` of `speaker`, `startTime`, `endTime` ("if available") and `body`.
- Podcasting 2.0 JSON chapters 1.2 (docs/examples/chapters/jsonChapters.md): `version` and
  `chapters` required; each chapter's `startTime` (float seconds) required, `title`, `img`, `url`,
  `toc`, `endTime` and `location` (`name` and `geo` required) optional; optional `author`, `title`,
  `podcastName`, `description`, `fileName`, `waypoints` on the file.
- JSON Feed 1.1 (https://jsonfeed.org/version/1.1), every top-level and item field the spec names;
  extensions are keys that start with an underscore, and nothing else may appear.
"""

SECONDS = {"type": "number", "minimum": 0}
URL = {"type": "string", "pattern": "^https?://"}

PODCAST_TRANSCRIPT = {
    "type": "object",
    "required": ["version", "segments"],
    "properties": {
        "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        "segments": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["startTime", "body"],
            "properties": {"speaker": {"type": "string", "minLength": 1}, "startTime": SECONDS, "endTime": SECONDS,
                           "body": {"type": "string", "minLength": 1}},
            "additionalProperties": False,
        }},
    },
    "additionalProperties": False,
}

PODCAST_CHAPTERS = {
    "type": "object",
    "required": ["version", "chapters"],
    "properties": {
        "version": {"const": "1.2.0"},
        "author": {"type": "string"}, "title": {"type": "string"}, "podcastName": {"type": "string"},
        "description": {"type": "string"}, "fileName": {"type": "string"}, "waypoints": {"type": "boolean"},
        "chapters": {"type": "array", "items": {
            "type": "object",
            "required": ["startTime"],
            "properties": {
                "startTime": SECONDS, "endTime": SECONDS, "title": {"type": "string", "minLength": 1},
                "img": URL, "url": URL, "toc": {"type": "boolean"},
                "location": {"type": "object", "required": ["name", "geo"],
                             "properties": {"name": {"type": "string"}, "geo": {"type": "string", "pattern": "^geo:"},
                                            "osm": {"type": "string"}}},
            },
            "additionalProperties": False,
        }},
    },
    "additionalProperties": False,
}

AUTHOR = {"type": "object", "properties": {"name": {"type": "string"}, "url": {"type": "string"},
                                           "avatar": {"type": "string"}}, "minProperties": 1}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}
JSON_FEED_ITEM = {
    "type": "object",
    "required": ["id"],
    "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
    "properties": {
        "id": {"type": "string"}, "url": URL, "external_url": URL, "title": {"type": "string"},
        "content_html": {"type": "string"}, "content_text": {"type": "string"}, "summary": {"type": "string"},
        "image": {"type": "string"}, "banner_image": {"type": "string"},
        "date_published": DATE, "date_modified": DATE,
        "authors": {"type": "array", "items": AUTHOR}, "tags": {"type": "array", "items": {"type": "string"}},
        "language": {"type": "string"},
        "attachments": {"type": "array", "items": {
            "type": "object", "required": ["url", "mime_type"],
            "properties": {"url": {"type": "string"}, "mime_type": {"type": "string"}, "title": {"type": "string"},
                           "size_in_bytes": {"type": "number"}, "duration_in_seconds": {"type": "number"}}}},
    },
    "patternProperties": {"^_": {"type": "object"}},
    "additionalProperties": False,
}
JSON_FEED_1_1 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"}, "home_page_url": URL, "feed_url": URL, "description": {"type": "string"},
        "user_comment": {"type": "string"}, "next_url": URL, "icon": {"type": "string"}, "favicon": {"type": "string"},
        "authors": {"type": "array", "items": AUTHOR}, "language": {"type": "string"}, "expired": {"type": "boolean"},
        "hubs": {"type": "array", "items": {"type": "object", "required": ["type", "url"]}},
        "items": {"type": "array", "items": JSON_FEED_ITEM},
    },
    "patternProperties": {"^_": {"type": "object"}},
    "additionalProperties": False,
}
