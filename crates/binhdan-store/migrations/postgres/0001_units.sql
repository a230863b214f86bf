-- Administrative units: province → commune → village, with a materialised path.
-- Paths and codes use the "C" collation so that range scans on them follow byte order.
CREATE TABLE unit (
    code          TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    parent_code   TEXT COLLATE "C" REFERENCES unit (code),
    level         TEXT NOT NULL CHECK (level IN ('province', 'commune', 'village')),
    division_type TEXT NOT NULL,
    name          TEXT NOT NULL,
    -- search_key(name): lower case, no diacritics; for search.
    name_key      TEXT COLLATE "C" NOT NULL,
    -- identity_key(name): tone placement and case folded; for duplicate names among siblings.
    identity_key  TEXT NOT NULL,
    -- Codes from the province down, each followed by '/': '38/38378/38378001/'.
    path          TEXT COLLATE "C" NOT NULL,
    province_code TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX unit_path ON unit (path);
CREATE INDEX unit_parent ON unit (parent_code, code);
CREATE INDEX unit_name_key ON unit (name_key);
CREATE UNIQUE INDEX unit_village_name ON unit (parent_code, identity_key) WHERE level = 'village';

-- Official population figures: the denominators of the KPIs, per unit and group.
CREATE TABLE population (
    unit_code  TEXT COLLATE "C" NOT NULL REFERENCES unit (code),
    grp        TEXT NOT NULL,
    count      BIGINT NOT NULL CHECK (count >= 0),
    source     TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (unit_code, grp)
);
