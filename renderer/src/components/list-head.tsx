/** A list page's title with its item count, then the page's error banner when there is one. */
export function ListHead({ title, count, error }: { title: string; count: number; error: string | null | undefined }) {
  return (
    <>
      <div className="page-head">
        <h2 className="page-title">{title}</h2>
        {count > 0 && <span className="count">{count}</span>}
      </div>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
