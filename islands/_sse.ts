// Reads a server-sent events response (POSTed with fetch, which EventSource cannot do).

/** Calls `onEvent` for each `event:`/`data:` block of the stream, data JSON-decoded. */
export async function readEvents(
  res: Response,
  onEvent: (name: string, data: string) => void,
): Promise<void> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      try {
        onEvent(name, JSON.parse(data));
      } catch {
        onEvent(name, data);
      }
    }
  }
}

/** The `error` field of a JSON error answer, or a line naming the status. */
export async function errorText(res: Response): Promise<string> {
  try {
    const body = await res.json();
    if (typeof body?.error === "string") return body.error;
  } catch { /* not JSON */ }
  return `The app answered ${res.status} ${res.statusText}`;
}
