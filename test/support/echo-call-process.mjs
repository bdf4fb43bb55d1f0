// A stand-in call process for agent/transports/twilio/call-processes.test.ts: says it is ready,
// takes one handed-off socket, writes what it was handed (the upgrade's url) and its pid, exits.
process.send({ type: 'ready' });
process.on('message', (m, socket) => {
  if (m?.type !== 'stream' || !socket) return;
  socket.end(`${m.url} ${process.pid}\n`, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
