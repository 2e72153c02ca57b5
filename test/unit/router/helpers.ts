/**
 * Makes the next call of `object[method]` throw `error`; later calls run the
 * real method. For proving that a loop survives a collaborator that throws,
 * while every other call still reaches the real implementation.
 */
export function sabotageOnce<T extends object, K extends keyof T & string>(object: T, method: K, error: Error): void {
  const record = object as Record<string, unknown>;
  const had = Object.prototype.hasOwnProperty.call(object, method);
  const own = record[method];
  record[method] = () => {
    if (had) record[method] = own;
    else delete record[method];
    throw error;
  };
}
