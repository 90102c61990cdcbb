DECLARE
  v_role pg_roles%ROWTYPE;
BEGIN
  IF p_username IS NULL OR p_username !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'invalid user name %', coalesce(quote_literal(p_username), 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'lower-case letters, digits and underscores';
  END IF;
  IF p_password IS NULL OR length(p_password) < 8 THEN
    RAISE EXCEPTION 'the password of % must have at least 8 characters', p_username
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT * INTO v_role FROM pg_roles WHERE rolname = p_username;
  IF NOT FOUND THEN
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', p_username, p_password);
    EXECUTE format('GRANT %I TO %I', 'shop_user', p_username);
  ELSIF v_role.rolcanlogin
        AND NOT (v_role.rolsuper OR v_role.rolcreaterole OR v_role.rolcreatedb
                 OR v_role.rolreplication OR v_role.rolbypassrls)
        AND pg_has_role(p_username, 'shop_user', 'MEMBER') THEN
    -- an application login made earlier (already in shop_user): rotate its password
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_username, p_password);
  ELSE
    -- never touch another kind of role (shop_owner itself, an admin, ...):
    -- with CREATEROLE before PostgreSQL 16 this function could alter them
    RAISE EXCEPTION 'role % exists and is not an application login', p_username
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END;
