// Started by the relay as `nsenter --net=<netns> node --input-type=module -e <this file's text> udp|tcp`
// (the relay reads this file once at start, so a checkout deleted or rebuilt under a running
// relay cannot break it; issue 15), or as `node netns-socket-child.js udp|tcp`: Node cannot
// setns(2), so this short-lived child creates the socket inside the container's network namespace
// and hands it to the relay over Node's IPC channel (SCM_RIGHTS). It closes its own copy once
// the handle is sent and exits, or it would race the relay for the answers (../shared/DESIGN.md).
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

const EMBEDDED_DNS = '127.0.0.11';

function fail(message: string): void {
  process.send?.({ ok: false, error: message }, undefined, {}, () => process.exit(1));
}

const mode = process.argv.at(-1); // the last argument, whether started from the file or with -e
if (!process.send) process.exit(2);
if (mode === 'udp') {
  const socket = createSocket('udp4');
  socket.on('error', (err) => fail(err.message));
  socket.bind(0, '0.0.0.0', () => {
    process.send?.({ ok: true }, socket, {}, () => {
      socket.close();
      process.disconnect();
    });
  });
} else if (mode === 'tcp') {
  const socket = connect(53, EMBEDDED_DNS);
  socket.setTimeout(2000, () => fail('timed out connecting to 127.0.0.11:53'));
  socket.on('error', (err) => fail(err.message));
  socket.on('connect', () => {
    socket.setTimeout(0);
    process.send?.({ ok: true }, socket, { keepOpen: false }, () => process.disconnect());
  });
} else {
  fail(`unknown mode ${String(mode)}`);
}
