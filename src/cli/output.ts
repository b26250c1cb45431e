/** The CLI's own output: results on stdout, logs and messages on stderr. */
export const output = {
  result(data: Buffer | string): void {
    process.stdout.write(data);
  },
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  },
  log(text: string): void {
    process.stderr.write(text.replaceAll('\r', '\n'));
  },
  error(text: string): void {
    process.stderr.write(`lambdacraft: ${text}\n`);
  },
};
