/**
 * Every page of an AWS listing that pages with `nextToken`, for `for await`. `fetchPage` gets the token of the
 * page to fetch (undefined for the first). An empty token ends the listing like a missing one: CloudWatch
 * Logs sometimes answers the last page with `""`.
 */
export async function* pages<Page extends { readonly nextToken?: string }>(
  fetchPage: (nextToken: string | undefined) => Promise<Page>,
): AsyncGenerator<Page, void, undefined> {
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    yield page;
    nextToken = page.nextToken === '' ? undefined : page.nextToken;
  } while (nextToken !== undefined);
}
