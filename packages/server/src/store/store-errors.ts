/** Thrown by `addTasks` when the job row is gone; the service maps it to JobNotFound. */
export class JobMissing extends Error {
  constructor() {
    super('job not found');
    this.name = 'JobMissing';
  }
}
