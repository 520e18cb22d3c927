/**
 * The FTP client of the real-capture run (`scripts/capture-proftpd/run.sh`): `tsx drive.ts HOST PORT`.
 *
 * Speaks FTP over one raw TCP control connection so that every byte of every argument is ours (trailing
 * spaces, `+` signs, control bytes, wrapped numbers): a library client would normalise them. It logs in,
 * sends each PORT/EPRT of the script below and prints `command → reply` lines, so the run records which
 * arguments proftpd refused, accepted or rejected as syntax errors. It never opens a data connection, and
 * with `AllowForeignAddress off` proftpd refuses the foreign targets before connecting anywhere; the run
 * happens in a network namespace that has only `lo`.
 */
import { Socket } from 'node:net';

const USAGE = 'usage: tsx scripts/capture-proftpd/drive.ts HOST PORT';

/** The ordinary account, and a virtual user named like a refusal whose home does not exist (mod_auth logs its name). */
const USER = 'capture';
const PASSWORD = 'capture';
const REFUSAL_NAMED_USER = 'Refused PORT 10,0,0,5,19,139 (address mismatch)';

/** Control bytes are sent raw; the reply log shows them escaped. */
const show = (text: string): string => JSON.stringify(text);

class FtpSession {
  private buffer = '';
  private waiting: ((reply: string) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.deliver();
    });
    // proftpd drops the connection after some failures (a home it cannot enter): the pending command ends too.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.('(connection closed)');
      this.waiting = null;
    });
  }

  private closed = false;

  static open(host: string, port: number): Promise<FtpSession> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.setTimeout(10_000, () => socket.destroy(new Error(`no reply from ${host}:${port} within 10 s`)));
      socket.once('error', reject);
      socket.connect(port, host, () => resolve(new FtpSession(socket)));
    });
  }

  /** One complete reply: the last line is `NNN text` (multi-line replies end with it). */
  private deliver(): void {
    const lines = this.buffer.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      if (/^\d{3} /.test(lines[i] as string) && this.waiting) {
        const reply = lines.slice(0, i + 1).join('\n');
        this.buffer = lines.slice(i + 1).join('\r\n');
        const resolve = this.waiting;
        this.waiting = null;
        resolve(reply);
        return;
      }
    }
  }

  reply(): Promise<string> {
    return new Promise((resolve) => {
      if (this.closed) return resolve('(connection closed)');
      this.waiting = resolve;
      this.deliver();
    });
  }

  async send(command: string): Promise<string> {
    if (!this.closed) this.socket.write(`${command}\r\n`, 'latin1');
    const reply = await this.reply();
    console.log(`${show(command)} → ${reply.split('\n').at(-1)}`);
    return reply;
  }

  close(): void {
    this.socket.end();
  }
}

/** Every refusal proftpd can produce from a client, and arguments at the edges of its parser. */
const REFUSALS: readonly string[] = [
  // address mismatch, public and private targets, the privileged-port reason
  'PORT 203,0,113,5,19,139',
  'PORT 10,0,0,5,19,139',
  'PORT 192,168,1,34,206,55',
  'PORT 172,16,4,4,4,1',
  'PORT 100,64,0,9,19,139',
  'PORT 169,254,1,1,19,139',
  'PORT 203,0,113,5,0,25',
  'PORT 203,0,113,5,0,21',
  'PORT 198,51,100,7,3,255',
  // what sscanf("%u,%u,%u,%u,%u,%u") also reads
  'PORT +203,+0,+113,+5,+19,+139',
  'PORT 0203,000,0113,05,019,0139',
  'PORT 203,0,113,5,19,139,7,7',
  'PORT 203,0,113,5,19,139xyz',
  'PORT 203,0,113,5,19,139\u0001',
  'PORT 203,0,113,5,19,139 ',
  'PORT 203,0,113,5,19,139  ',
  'PORT 4294967299,0,113,5,19,139',
  'PORT 459,0,113,5,19,139',
  'PORT 203,0,113,5,275,139',
  'PORT 203,0,113,5,0,281',
  'PORT -1,0,113,5,19,139',
  'PORT 99999999999999999999999,0,113,5,19,139',
  'PORT  203,0,113,5,19,139',
  'PORT 203, 0,113,5,19,139',
  // syntax errors: nothing is refused
  'PORT 1,2,3',
  'PORT',
  'PORT a,b,c,d,e,f',
  // EPRT, every delimiter style, both families, wrapped ports
  'EPRT |1|203.0.113.5|5003|',
  'EPRT |1|10.0.0.5|5003|',
  'EPRT !1!198.51.100.7!40000!',
  'EPRT #1#203.0.113.5#25#',
  'EPRT |2|2001:db8::5|5003|',
  'EPRT |2|fe80::1|5003|',
  'EPRT |1|203.0.113.5|65557|',
  'EPRT |1|203.0.113.5|+5003|',
  'EPRT |1|203.0.113.5|05003|',
  'EPRT |1|203.0.113.5|5003| ',
  'EPRT |1|203.0.113.5|5003|x',
  'EPRT |3|203.0.113.5|5003|',
  'EPRT |1|203.0.113|5003|',
  // the client's own address with a privileged port (`port N below 1024`); from ::1 the IPv4 ones mismatch
  'PORT 10,9,0,1,0,25',
  'PORT 10,9,0,1,1,0',
  'EPRT |1|10.9.0.1|65557|',
  'EPRT |2|::1|21|',
  // the same refusal three times in a row: rsyslog's repeated-message reduction
  'PORT 198,51,100,9,19,139',
  'PORT 198,51,100,9,19,139',
  'PORT 198,51,100,9,19,139',
];

async function session(host: string, port: number, user: string, commands: readonly string[]): Promise<void> {
  const ftp = await FtpSession.open(host, port);
  console.log(`connected → ${(await ftp.reply()).split('\n').at(-1)}`);
  await ftp.send(`USER ${user}`);
  await ftp.send(`PASS ${PASSWORD}`);
  for (const command of commands) await ftp.send(command);
  await ftp.send('QUIT');
  ftp.close();
}

async function main(argv: readonly string[]): Promise<void> {
  const [host, portText] = argv;
  const port = Number(portText);
  if (!host || !Number.isInteger(port)) throw new Error(USAGE);
  // Surrounding lines: a failed login with a refusal-shaped name, the refusal-named user, then every refusal.
  await session(host, port, 'Refused PORT 203,0,113,5,19,139 (address mismatch)', []);
  await session(host, port, REFUSAL_NAMED_USER, ['PWD']);
  await session(host, port, USER, REFUSALS);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
