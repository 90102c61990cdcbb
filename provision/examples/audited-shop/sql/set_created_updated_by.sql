BEGIN
  -- current_user is whoever runs the statement: this function is SECURITY
  -- INVOKER, so for an application login it is that login.
  IF TG_OP = 'INSERT' THEN
    NEW.created_by := current_user;
    NEW.created_at := now();
  ELSE
    -- who created a row, and when, cannot be rewritten by an UPDATE
    NEW.created_by := OLD.created_by;
    NEW.created_at := OLD.created_at;
  END IF;
  NEW.updated_by := current_user;
  NEW.updated_at := now();
  RETURN NEW;
END;
