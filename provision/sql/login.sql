DECLARE
  v_user app_data.users%ROWTYPE;
BEGIN
  SELECT * INTO v_user
  FROM app_data.users
  WHERE username = p_username
    AND password_hash = public.crypt(p_password, password_hash);
  IF NOT FOUND THEN
    PERFORM set_config('response.status', '401', true);
    RETURN json_build_object('error', 'invalid credentials');
  END IF;
  RETURN json_build_object('user_id', v_user.user_id, 'username', v_user.username);
END;
