BEGIN
  -- SECURITY DEFINER: runs as shop_owner, which owns shop.audit_log, so the
  -- application logins need no INSERT on it. Inside a definer current_user is
  -- shop_owner; session_user is the login that made the change.
  INSERT INTO shop.audit_log (table_name, operation, row_data, changed_by)
  VALUES (TG_TABLE_NAME, TG_OP,
          CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END,
          session_user);
  RETURN NULL;
END;
