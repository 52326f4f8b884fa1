/**
 * Python's `datetime.strftime` for the `now` resolver (`${now:%Y-%m-%d_%H-%M-%S}`),
 * in local time.
 *
 * @module
 */

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.floor((d.getTime() - start.getTime()) / 86_400_000) + 1;
}

function offset(d: Date, colon: boolean): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ":" : ""}${pad(abs % 60)}`;
}

const DIRECTIVES: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getFullYear()),
  y: (d) => pad(d.getFullYear() % 100),
  m: (d) => pad(d.getMonth() + 1),
  d: (d) => pad(d.getDate()),
  H: (d) => pad(d.getHours()),
  I: (d) => pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12),
  p: (d) => (d.getHours() < 12 ? "AM" : "PM"),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  f: (d) => pad(d.getMilliseconds() * 1000, 6),
  j: (d) => pad(dayOfYear(d), 3),
  a: (d) => DAYS[d.getDay()].slice(0, 3),
  A: (d) => DAYS[d.getDay()],
  b: (d) => MONTHS[d.getMonth()].slice(0, 3),
  B: (d) => MONTHS[d.getMonth()],
  w: (d) => String(d.getDay()),
  z: (d) => offset(d, false),
  Z: (d) =>
    Intl.DateTimeFormat("en", { timeZoneName: "short" }).formatToParts(d)
      .find((p) => p.type === "timeZoneName")?.value ?? "",
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  "%": () => "%",
};

/** Formats a date with Python's strftime directives (`%Y`, `%m`, `%d`, `%H`, `%M`, `%S`, ...). */
export function strftime(date: Date, pattern: string): string {
  return pattern.replace(/%(.)/gs, (whole, code: string) => {
    const fn = DIRECTIVES[code];
    return fn ? fn(date) : whole;
  });
}
