/**
 * Undoes a known corruption of the CLI's stdout (claude-code issue #49640, seen in 2.1.74):
 * a `rate_limit_event` written while another line was half out lands INSIDE that line, and
 * its own newline splits the host line in two:
 *
 *   {"type":"assistant",...,"text":"partial{"type":"rate_limit_event",...}\n
 *   continuation"}],...}\n
 *
 * Both halves fail to parse, and the assistant line — maybe the turn's answer — would be lost.
 * The repair: a line that is not JSON and holds `{"type":"rate_limit_event"` gives the event
 * (from there to the end of the line) as a line of its own and keeps the part before it; the
 * next line is tried glued to that part, and on success the host line comes out whole. A line
 * that is fine passes straight through (one `JSON.parse` of the lines that fail only).
 */
const INJECTED = '{"type":"rate_limit_event"';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Returns a function from one raw stdout line to the lines to parse, in order. */
export function createLineRepair(): (line: string) => string[] {
  let head: string | undefined;
  return (line) => {
    const out: string[] = [];
    if (head !== undefined) {
      const glued = head + line;
      const held = head;
      head = undefined;
      if (parses(glued)) return [glued];
      out.push(held); // not the continuation: hand the fragment on as it was (it is logged)
    }
    const at = line.indexOf(INJECTED);
    if (at > 0 && !parses(line)) {
      const event = line.slice(at);
      if (parses(event)) {
        head = line.slice(0, at);
        out.push(event);
        return out;
      }
    }
    out.push(line);
    return out;
  };
}
