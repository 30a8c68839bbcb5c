-- pd_ts was declared IMMUTABLE over to_char, which is STABLE: PostgreSQL never inlines a
-- SQL function whose body is more volatile than its declaration, so every timestamp of
-- every rendered row was a function call. Declared as what it is, it inlines.
ALTER FUNCTION pd_ts(timestamptz) STABLE;
