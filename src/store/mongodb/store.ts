/** The mongodb engine: the official driver passed straight through. */
import { MongoClient, type TransactionOptions } from 'mongodb';
import type { Collection, Document, Session, Store } from '../types.ts';

/** A 2xx must mean the write survives a failover: majority, journalled; reads see one snapshot. */
const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority', journal: true },
};

export class MongoStore implements Store {
  readonly engine = 'mongodb' as const;

  constructor(private readonly client: MongoClient) {}

  collection<T extends Document = Document>(name: string): Collection<T> {
    return this.client.db().collection(name) as unknown as Collection<T>;
  }

  async withTransaction<R>(work: (session: Session) => Promise<R>): Promise<R> {
    const session = this.client.startSession();
    try {
      return await session.withTransaction(() => work(session as unknown as Session), TRANSACTION_OPTIONS);
    } finally {
      await session.endSession();
    }
  }

  /** Every commit is majority-acknowledged and journalled as it returns. */
  async flush(): Promise<void> {}

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Connects to the database named in the URI (MongoDB's default "test" when it names none). */
export async function openMongoStore(uri: string): Promise<MongoStore> {
  const client = new MongoClient(uri);
  await client.connect();
  return new MongoStore(client);
}
