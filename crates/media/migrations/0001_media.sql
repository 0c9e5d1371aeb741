-- The media library: one row per master file (kept untouched under DATA/media/masters,
-- named by its SHA-256), its descriptive and technical metadata, rights, and the state of
-- its derivatives (the tiled pyramid under DATA/media/pyramids).
CREATE TABLE media_assets (
    id {uuid} PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    master_path TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    technical {json} NOT NULL,
    caption {json} NOT NULL,
    photographer TEXT NOT NULL,
    taken TEXT NOT NULL,
    view_type TEXT NOT NULL,
    rights TEXT NOT NULL,
    credit {json} NOT NULL,
    access TEXT NOT NULL,
    status TEXT NOT NULL,
    progress BIGINT NOT NULL,
    error TEXT,
    lease_until {ts},
    levels BIGINT NOT NULL,
    search_text TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX media_assets_sha ON media_assets (sha256);
CREATE INDEX media_assets_created ON media_assets (created_at, id);
CREATE INDEX media_assets_status ON media_assets (status);

-- Images of an object, in the order the object shows them; one is the primary image.
CREATE TABLE object_media (
    object_id {uuid} NOT NULL REFERENCES objects(id),
    asset_id {uuid} NOT NULL REFERENCES media_assets(id),
    position BIGINT NOT NULL,
    is_primary BOOLEAN NOT NULL,
    PRIMARY KEY (object_id, asset_id)
);
CREATE INDEX object_media_asset ON object_media (asset_id)
