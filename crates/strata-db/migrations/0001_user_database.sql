-- The registry of user databases: the databases Strata created or was pointed at.
CREATE TABLE strata.user_database (
    name        text PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text
);
