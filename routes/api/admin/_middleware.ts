import { define } from "../../../utils.ts";
import { requireAdmin } from "../../_lib/session.ts";

// Admin endpoints: a session (else 401) and the CSRF token on POSTs (else 403).
export const handler = define.middleware(requireAdmin);
