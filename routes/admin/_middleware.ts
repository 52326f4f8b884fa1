import { define } from "../../utils.ts";
import { requireAdmin } from "../_lib/session.ts";

// Admin pages: a session (else the login page) and the CSRF token on POSTs.
export const handler = define.middleware(requireAdmin);
