-- The audit trail of a user database (DESIGN §6): actions, and a typed history table per
-- audited table written by statement-level triggers with transition tables.

-- One user intent: an API call, an import, a paste, an undo; or a transaction made outside
-- Strata ('external'). `undoes` names the action an undo (or redo) reverted; `undone_by` the
-- newest action that reverted this one.
CREATE TABLE strata.action (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xact       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor      text NOT NULL DEFAULT coalesce(nullif(current_setting('strata.actor', true), ''), session_user),
    kind       text NOT NULL,
    summary    text NOT NULL,
    rows       bigint NOT NULL DEFAULT 0,
    undoes     bigint REFERENCES strata.action (id) ON DELETE SET NULL,
    undone_by  bigint REFERENCES strata.action (id) ON DELETE SET NULL
);
CREATE INDEX action_xact ON strata.action (xact);
CREATE INDEX action_undoes ON strata.action (undoes);

-- The tables an action changed: rows (`schema_change` false, written by the triggers) or
-- structure (true, written with the action's steps).
CREATE TABLE strata.action_table (
    action         bigint NOT NULL REFERENCES strata.action (id) ON DELETE CASCADE,
    relid          oid NOT NULL,
    schema_change  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (action, relid, schema_change)
);
CREATE INDEX action_table_relid ON strata.action_table (relid, action);

-- The structure changes of an action, in order, each with its inverse (`audit::steps`).
CREATE TABLE strata.action_step (
    action   bigint NOT NULL REFERENCES strata.action (id) ON DELETE CASCADE,
    seq      integer NOT NULL,
    forward  jsonb NOT NULL,
    inverse  jsonb NOT NULL,
    PRIMARY KEY (action, seq)
);

-- The audited tables. `history` is `strata."history_<relid>"`; `signature` is the table's
-- columns (attnum:type:name) when the four statements were generated; a trigger that finds the
-- table changed (by Strata or by psql: added, dropped, retyped or renamed columns) regenerates
-- them first.
CREATE TABLE strata.audited (
    relid       oid PRIMARY KEY,
    history     text NOT NULL,
    key_attnum  smallint NOT NULL,
    signature   text NOT NULL,
    on_insert   text NOT NULL,
    on_update   text NOT NULL,
    on_delete   text NOT NULL,
    on_truncate text NOT NULL
);

-- The action the current transaction writes under: the one Strata set with
-- `SET LOCAL strata.action_id`, else one 'external' action per transaction.
CREATE FUNCTION strata.current_action() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    found bigint := nullif(current_setting('strata.action_id', true), '')::bigint;
BEGIN
    IF found IS NOT NULL THEN
        RETURN found;
    END IF;
    SELECT id INTO found FROM strata.action WHERE xact = pg_current_xact_id() AND kind = 'external';
    IF found IS NULL THEN
        INSERT INTO strata.action (kind, summary) VALUES ('external', 'Changes made outside Strata')
        RETURNING id INTO found;
    END IF;
    PERFORM set_config('strata.action_id', found::text, true);
    RETURN found;
END
$$;

-- A table's name and audited columns, `attnum:type:name` in order (generated columns are
-- derived, not kept). Names are in it because the statements name the columns and the table.
-- PL/pgSQL keeps the plan for the session; a SQL function would be planned again in every
-- transaction, and the trigger calls it on every statement.
CREATE FUNCTION strata.table_signature(rel oid) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN rel::regclass::text || ' ' ||
           (SELECT coalesce(string_agg(attnum || ':' || atttypid || ':' || attname, ',' ORDER BY attnum), '')
            FROM pg_attribute
            WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped AND attgenerated = '');
END
$$;

-- The history column of column `attnum` while it has type `typ`: a retype starts a new one,
-- so what history holds is never converted (DESIGN §6, ARCHITECTURE "Audit").
CREATE FUNCTION strata.history_column(attnum smallint, typ oid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'c' || attnum || '_' || typ $$;

-- Makes `rel`'s history table hold every current column and regenerates the statements the
-- trigger runs. Idempotent; called by `strata.audit_table` and by the trigger when the table's
-- columns changed. False (and nothing done) for a table without a single-column primary key:
-- history is kept by key.
CREATE FUNCTION strata.audit_sync(rel oid) RETURNS boolean
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    history text := 'history_' || rel;
    key smallint;
    col record;
    hcol text;
    names text := '';
    olds text := '';
    news text := '';
    key_col text;
    key_name text;
BEGIN
    SELECT i.indkey[0] INTO key FROM pg_index i
    WHERE i.indrelid = rel AND i.indisprimary AND i.indnkeyatts = 1;
    IF key IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS strata.%I (
             _seq bigint GENERATED ALWAYS AS IDENTITY,
             _action bigint NOT NULL,
             _op "char" NOT NULL
         )', history);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON strata.%I USING brin (_seq)', history || '_seq', history);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON strata.%I USING brin (_action)', history || '_action', history);
    FOR col IN
        -- Without a modifier, so a history column holds any value of its type; `character` and
        -- `bit` would mean a length of 1 there.
        SELECT a.attnum, a.atttypid, a.attname,
               CASE a.atttypid WHEN 'bpchar'::regtype THEN 'bpchar' WHEN 'bit'::regtype THEN 'bit varying'
                               ELSE format_type(a.atttypid, NULL) END AS type_name
        FROM pg_attribute a
        WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum
    LOOP
        hcol := strata.history_column(col.attnum, col.atttypid);
        EXECUTE format('ALTER TABLE strata.%I ADD COLUMN IF NOT EXISTS %I %s', history, hcol, col.type_name);
        names := names || ', ' || quote_ident(hcol);
        olds := olds || ', o.' || quote_ident(col.attname);
        news := news || CASE WHEN col.attnum = key THEN ', n.' || quote_ident(col.attname) ELSE ', NULL' END;
        IF col.attnum = key THEN
            key_col := hcol;
            key_name := quote_ident(col.attname);
        END IF;
    END LOOP;
    INSERT INTO strata.audited AS a (relid, history, key_attnum, signature, on_insert, on_update, on_delete, on_truncate)
    VALUES (
        rel, history, key, strata.table_signature(rel),
        format('INSERT INTO strata.%I (_action, _op, %I) SELECT $1, ''I'', n.%s FROM strata_new n',
               history, key_col, key_name),
        -- Old rows as they were; a key the update created is an insert. Looking for those keys
        -- costs a join of both transition tables, so only when a key may have changed ($2).
        format('INSERT INTO strata.%I (_action, _op%s) SELECT $1, ''U''%s FROM strata_old o '
               'UNION ALL SELECT $1, ''I''%s FROM strata_new n '
               'WHERE $2 AND NOT EXISTS (SELECT FROM strata_old o WHERE o.%s = n.%s)',
               history, names, olds, news, key_name, key_name),
        format('INSERT INTO strata.%I (_action, _op%s) SELECT $1, ''D''%s FROM strata_old o', history, names, olds),
        -- TRUNCATE has no transition table: the rows are read before they go.
        format('INSERT INTO strata.%I (_action, _op%s) SELECT $1, ''D''%s FROM ONLY %s o',
               history, names, olds, rel::regclass)
    )
    ON CONFLICT (relid) DO UPDATE SET
        history = EXCLUDED.history, key_attnum = EXCLUDED.key_attnum, signature = EXCLUDED.signature,
        on_insert = EXCLUDED.on_insert, on_update = EXCLUDED.on_update, on_delete = EXCLUDED.on_delete,
        on_truncate = EXCLUDED.on_truncate;
    -- The trigger that tells `record_changes` a key may change (`strata.key_changes`), on the key
    -- column; replaced only when the key moved to another column.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'strata_audit_key'
                   AND tgattr = key::text::int2vector) THEN
        EXECUTE format('CREATE OR REPLACE TRIGGER strata_audit_key BEFORE UPDATE OF %s ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION strata.note_key_update()', key_name, rel::regclass);
    END IF;
    RETURN true;
END
$$;

-- Whether an UPDATE of `rel` in this transaction may have changed a key: set (until the
-- transaction ends) by the `strata_audit_key` trigger before any UPDATE whose SET names the key.
-- A BEFORE ROW trigger of the user's that changes the key is not seen.
CREATE FUNCTION strata.key_changes(rel oid) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('strata.key_update_' || rel, true), '') = 'on' $$;

-- The `strata_audit_key` trigger: notes that this transaction updates a key of TG_RELID.
CREATE FUNCTION strata.note_key_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('strata.key_update_' || TG_RELID, 'on', true);
    RETURN NULL;
END
$$;

-- The trigger: one set-based insert into the history table per statement.
CREATE FUNCTION strata.record_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    audited strata.audited;
    act bigint;
    changed bigint;
BEGIN
    IF current_setting('strata.audit', true) = 'off' THEN
        RETURN NULL;
    END IF;
    SELECT * INTO audited FROM strata.audited WHERE relid = TG_RELID;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF audited.signature IS DISTINCT FROM strata.table_signature(TG_RELID) THEN
        IF NOT strata.audit_sync(TG_RELID) THEN
            RETURN NULL; -- its primary key was dropped outside Strata: nothing to keep history by
        END IF;
        SELECT * INTO audited FROM strata.audited WHERE relid = TG_RELID;
    END IF;
    act := strata.current_action();
    IF TG_OP = 'INSERT' THEN
        EXECUTE audited.on_insert USING act;
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE audited.on_update USING act, strata.key_changes(TG_RELID);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE audited.on_delete USING act;
    ELSE
        EXECUTE audited.on_truncate USING act;
    END IF;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed > 0 THEN
        INSERT INTO strata.action_table (action, relid) VALUES (act, TG_RELID) ON CONFLICT DO NOTHING;
        UPDATE strata.action SET rows = rows + changed WHERE id = act;
    END IF;
    RETURN NULL;
END
$$;

-- Starts auditing `rel`: its history table, its statements and its five triggers. Idempotent
-- and cheap when `rel` is audited already; false for a table without a single-column key.
CREATE FUNCTION strata.audit_table(rel oid) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM strata.audited WHERE relid = rel)
       AND (SELECT count(*) FROM pg_trigger WHERE tgrelid = rel
            AND tgname IN ('strata_audit_insert', 'strata_audit_key', 'strata_audit_truncate')) = 3 THEN
        RETURN true;
    END IF;
    -- Two writers meeting a new table would race to create its history table.
    PERFORM pg_advisory_xact_lock(hashtext('strata.audit_table'));
    IF NOT strata.audit_sync(rel) THEN
        RETURN false;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'strata_audit_insert') THEN
        EXECUTE format('CREATE TRIGGER strata_audit_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS strata_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION strata.record_changes()', rel::regclass);
        EXECUTE format('CREATE TRIGGER strata_audit_update AFTER UPDATE ON %s '
                       'REFERENCING OLD TABLE AS strata_old NEW TABLE AS strata_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION strata.record_changes()', rel::regclass);
        EXECUTE format('CREATE TRIGGER strata_audit_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS strata_old '
                       'FOR EACH STATEMENT EXECUTE FUNCTION strata.record_changes()', rel::regclass);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'strata_audit_truncate') THEN
        EXECUTE format('CREATE TRIGGER strata_audit_truncate BEFORE TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION strata.record_changes()', rel::regclass);
    END IF;
    RETURN true;
END
$$;

-- Audits every table of the user schemas that has a single-column primary key (on opening a
-- database); returns how many were newly audited.
CREATE FUNCTION strata.audit_all() RETURNS integer
LANGUAGE sql AS $$
    SELECT count(*)::integer FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata')
      AND NOT starts_with(n.nspname, 'pg_toast') AND NOT starts_with(n.nspname, 'pg_temp')
      AND NOT EXISTS (SELECT 1 FROM strata.audited a WHERE a.relid = c.oid)
      AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnkeyatts = 1)
      AND strata.audit_table(c.oid)
$$;

-- Whether action `act`'s changes are undone now: its newest undo is in effect (not undone itself,
-- as a redo undoes an undo).
CREATE FUNCTION strata.action_undone(act bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    undoer bigint;
BEGIN
    SELECT undone_by INTO undoer FROM strata.action WHERE id = act;
    RETURN undoer IS NOT NULL AND NOT strata.action_undone(undoer);
END
$$;
