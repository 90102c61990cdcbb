DECLARE
  v_user_id integer;
BEGIN
  IF p_username IS NULL OR length(trim(p_username)) = 0 THEN
    PERFORM set_config('response.status', '400', true);
    RETURN json_build_object('error', 'username cannot be empty');
  END IF;
  IF p_password IS NULL OR length(p_password) < 8 THEN
    PERFORM set_config('response.status', '400', true);
    RETURN json_build_object('error', 'password must have at least 8 characters');
  END IF;
  IF EXISTS (SELECT 1 FROM app_data.users WHERE username = p_username) THEN
    PERFORM set_config('response.status', '409', true);
    RETURN json_build_object('error', 'username already exists');
  END IF;
  INSERT INTO app_data.users (username, password_hash)
  VALUES (p_username, public.crypt(p_password, public.gen_salt('bf')))
  RETURNING user_id INTO v_user_id;
  PERFORM set_config('response.status', '201', true);
  RETURN json_build_object('user_id', v_user_id, 'username', p_username);
END;
