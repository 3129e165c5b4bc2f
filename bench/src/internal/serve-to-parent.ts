/**
 * The process side every benchmark server child shares: start the server, tell the parent its URL (or why it
 * could not start), answer the parent's messages, close on `{type:'close'}`, and die with the parent rather than
 * linger when the runner is interrupted.
 */

/** A server a child runs for its parent. */
export interface ChildServer {
  url: string
  close(): Promise<void>
}

/** Starts the server and serves the parent over IPC; `answer` handles the messages other than `close`. */
export async function serveToParent<Message extends { type: string }>(
  start: () => Promise<ChildServer>,
  answer?: (message: { type: string }, send: (message: Message) => void) => void | Promise<void>,
): Promise<void> {
  const send = (message: Message | { type: 'ready'; url: string } | { type: 'error'; message: string }) =>
    process.send?.(message)
  try {
    const server = await start()
    process.on('message', async (message: { type: string }) => {
      if (message.type === 'close') {
        await server.close()
        process.exit(0)
      }
      await answer?.(message, send)
    })
    process.on('disconnect', () => process.exit(0))
    send({ type: 'ready', url: server.url })
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) })
    process.exit(1)
  }
}
