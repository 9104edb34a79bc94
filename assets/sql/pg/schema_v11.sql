-- Terms of one or two characters, served by an index as SQLite serves them (from its
-- trigram vocabulary, store/plan.rs): pg_trgm's index needs three characters, so a
-- `LIKE` with such a term read every user. `short_grams` gives each character and
-- each pair of characters of a haystack; a GIN index over it (GIN keeps each key
-- once per row) finds the users who hold a short term through
-- `short_grams(search) @> ARRAY[term]`, which the query adds to its `LIKE` (the
-- index narrows, the `LIKE` decides). The planner's statistics on the indexed
-- expression tell a rare term (read from this index) from a common one (the sort
-- index walked until a page is full).
--
-- PL/pgSQL filling an array by index: of the forms tried (SQL with
-- generate_series, regexp_replace, array_agg), the cheapest to compute on insert.
CREATE FUNCTION short_grams(haystack text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    chars text[] := string_to_array(haystack, NULL);
    n int := cardinality(chars);
    grams text[] := chars;
BEGIN
    FOR i IN 1 .. n - 1 LOOP
        grams[n + i] := chars[i] || chars[i + 1];
    END LOOP;
    RETURN grams;
END $$;

CREATE INDEX users_search_short ON users USING gin (short_grams(search));
-- The statistics that tell a rare term from a common one (short_terms.rs), at once.
ANALYZE users;
