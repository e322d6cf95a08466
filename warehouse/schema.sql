-- Kota Pintar warehouse schema (DuckDB). Applied on every connect to the WORK database, so every
-- statement must be idempotent (CREATE ... IF NOT EXISTS). All codes are VARCHAR: Kemendagri and
-- BPS codes have leading zeros and dots ("35.73.01.1001"), and periods look like numbers ("2023").
--
-- The per-source tidy tables (tidy.<sumber_id>) are created by warehouse/load.py because their
-- names come from the catalog; their columns are declared there (TIDY_DDL).

CREATE SCHEMA IF NOT EXISTS tidy;

-- Regions: the city, its 5 kecamatan and 57 kelurahan. kode_bps stays NULL where the reference
-- file has none (kelurahan): never invent a code. kode_kecamatan lets analysts roll kelurahan up.
CREATE TABLE IF NOT EXISTS dim_wilayah (
    kode_wilayah   VARCHAR PRIMARY KEY,
    nama           VARCHAR NOT NULL,
    tingkat        VARCHAR NOT NULL CHECK (tingkat IN ('kota', 'kecamatan', 'kelurahan')),
    kode_induk     VARCHAR,
    kode_bps       VARCHAR,
    kode_kecamatan VARCHAR
);

CREATE TABLE IF NOT EXISTS dim_indikator (
    kode          VARCHAR PRIMARY KEY,
    nama_id       VARCHAR NOT NULL,
    nama_en       VARCHAR,
    dimensi       VARCHAR NOT NULL CHECK (dimensi IN ('smart_governance', 'smart_people',
                      'smart_mobility', 'smart_economy', 'smart_environment', 'smart_living')),
    pilar         VARCHAR,
    satuan        VARCHAR,
    arah          VARCHAR,
    definisi      VARCHAR,
    produsen_kode VARCHAR,
    produsen      VARCHAR,
    jadwal        VARCHAR,
    sumber_id     VARCHAR NOT NULL,
    sampel        BOOLEAN NOT NULL
);
-- Satu Data / BPS MS-Ind metadata per indicator (issue 13), declared in the catalog; NULL where
-- an entry does not declare it yet (`kotapintar metadata --check` lists those). `kerangka` was
-- replaced by `iso_indikator` + `kode_referensi`.
ALTER TABLE dim_indikator DROP COLUMN IF EXISTS kerangka;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS definisi_en VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS konsep VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS klasifikasi VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS ukuran VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS interpretasi VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS metode VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS level_estimasi VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS kode_referensi VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS iso_indikator VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS agregasi VARCHAR;
ALTER TABLE dim_indikator ADD COLUMN IF NOT EXISTS bobot_indikator VARCHAR;

CREATE TABLE IF NOT EXISTS meta_sumber (
    sumber_id      VARCHAR PRIMARY KEY,
    judul          VARCHAR NOT NULL,
    produsen_kode  VARCHAR,
    produsen       VARCHAR,
    jenis          VARCHAR,
    lokasi         VARCHAR,
    dimensi        VARCHAR,
    jadwal         VARCHAR,
    sampel         BOOLEAN NOT NULL,
    berkas_katalog VARCHAR
);

-- One row per source per run, appended (never rewritten): the load history.
CREATE TABLE IF NOT EXISTS meta_muat (
    muat_id    VARCHAR PRIMARY KEY,
    sumber_id  VARCHAR NOT NULL,
    lokasi     VARCHAR,
    sha256     VARCHAR,
    bytes      BIGINT,
    fetched_at TIMESTAMPTZ,
    loaded_at  TIMESTAMPTZ NOT NULL,
    seconds    DOUBLE,
    rows       BIGINT,
    outcome    VARCHAR NOT NULL CHECK (outcome IN ('loaded', 'unchanged', 'failed', 'rejected')),
    message    VARCHAR
);
-- Acquisition (issue 3): what was requested and what the server said, the catalog entry's
-- fingerprint (an unchanged file under a changed entry is re-read) and the stage a failure
-- stopped at. ALTER ... IF NOT EXISTS migrates work databases created before these columns.
ALTER TABLE meta_muat ADD COLUMN IF NOT EXISTS url VARCHAR;
ALTER TABLE meta_muat ADD COLUMN IF NOT EXISTS http_status INTEGER;
ALTER TABLE meta_muat ADD COLUMN IF NOT EXISTS etag VARCHAR;
ALTER TABLE meta_muat ADD COLUMN IF NOT EXISTS last_modified VARCHAR;
ALTER TABLE meta_muat ADD COLUMN IF NOT EXISTS katalog_sha256 VARCHAR;
ALTER TABLE meta_muat ADD COLUMN IF NOT EXISTS tahap VARCHAR;
-- Rows of other regions in a table that covers a wider area (catalog `parse.region.covers`):
-- counted here, never loaded or quarantined; NULL when the file was not parsed.
ALTER TABLE meta_muat ADD COLUMN IF NOT EXISTS baris_luar_wilayah BIGINT;

-- Rows a validation rule refused, with the rule and the offending value.
CREATE TABLE IF NOT EXISTS karantina (
    muat_id    VARCHAR,
    sumber_id  VARCHAR NOT NULL,
    lokasi     VARCHAR,
    aturan     VARCHAR NOT NULL,
    nilai      VARCHAR,
    pesan      VARCHAR,
    dicatat_at TIMESTAMPTZ NOT NULL
);
-- Added by the quality gate (quality/findings.py): the agency, the row's key, what was expected,
-- and whether the row itself was held back (per_baris) or the finding is about the table (a
-- missing region or period). ALTER ... IF NOT EXISTS keeps older work databases usable.
ALTER TABLE karantina ADD COLUMN IF NOT EXISTS produsen_kode VARCHAR;
ALTER TABLE karantina ADD COLUMN IF NOT EXISTS indikator VARCHAR;
ALTER TABLE karantina ADD COLUMN IF NOT EXISTS kode_wilayah VARCHAR;
ALTER TABLE karantina ADD COLUMN IF NOT EXISTS periode VARCHAR;
ALTER TABLE karantina ADD COLUMN IF NOT EXISTS diharapkan VARCHAR;
ALTER TABLE karantina ADD COLUMN IF NOT EXISTS per_baris BOOLEAN;

-- The latest verdict of each publication check per table (the personal-data guard), read by
-- the analyst snapshot and the portal publisher: a table whose verdict is not `lolos` is not
-- published (its previous published version stays). `laporan` holds masked examples only.
CREATE TABLE IF NOT EXISTS meta_kualitas (
    tabel       VARCHAR NOT NULL,
    pemeriksaan VARCHAR NOT NULL,
    lolos       BOOLEAN NOT NULL,
    temuan      BIGINT NOT NULL,
    laporan     VARCHAR,
    run_id      VARCHAR,
    diperiksa_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tabel, pemeriksaan)
);

-- Rebuilt from the tidy tables by build_fact(); no timestamps or random ids, so a rebuild from the
-- same tidy rows is identical. The key (indikator, kode_wilayah, periode) is unique but not a
-- PRIMARY KEY: DuckDB builds that index in memory and cannot spill it (~1.5 GiB at 5M facts).
-- build_fact refuses a key from two sources and the fact_integrity check tests the key; the
-- smart_* tables below likewise (their GX suites check the key). Work databases made with the
-- key are rebuilt without it once, rows kept (warehouse/db.py drop_derived_keys).
CREATE TABLE IF NOT EXISTS fact_indikator (
    indikator     VARCHAR NOT NULL,
    kode_wilayah  VARCHAR NOT NULL,
    periode       VARCHAR NOT NULL,
    nilai         DOUBLE,
    status        VARCHAR NOT NULL,
    catatan       VARCHAR,
    sumber_id     VARCHAR NOT NULL,
    berkas_sha256 VARCHAR NOT NULL,
    lokasi        VARCHAR
);

-- One analyst-ready table per smart-city dimension, all with the same columns (their meaning:
-- warehouse/dictionary.py). Tables rather than views so the snapshot copies them as they are
-- and analysts need no joins. `{dimension}` is not SQL: warehouse/db.py schema_sql() writes this
-- statement and the ALTERs right after it once per warehouse.reference.DIMENSIONS.
-- Provenance (issue 13): `berkas_sha256` (the source file) and `lokasi` (its cell or record)
-- travel with each value into the exports and the portal rows; the ALTERs migrate work
-- databases made before.
CREATE TABLE IF NOT EXISTS {dimension} (
    indikator VARCHAR NOT NULL, nama_indikator VARCHAR, nama_indikator_en VARCHAR, satuan VARCHAR,
    arah VARCHAR, pilar VARCHAR, kode_wilayah VARCHAR NOT NULL, nama_wilayah VARCHAR,
    tingkat VARCHAR, kode_kecamatan VARCHAR, periode VARCHAR NOT NULL, nilai DOUBLE,
    status VARCHAR, catatan VARCHAR, produsen VARCHAR, sumber_id VARCHAR,
    berkas_sha256 VARCHAR, lokasi VARCHAR
);
ALTER TABLE {dimension} ADD COLUMN IF NOT EXISTS berkas_sha256 VARCHAR;
ALTER TABLE {dimension} ADD COLUMN IF NOT EXISTS lokasi VARCHAR;
