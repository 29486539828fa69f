// An error the server (or the network) gave, announced to screen readers as it appears.
export default function ErrorMessage({ error, action }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {action ? `${action}: ` : ""}
      {error.message}
    </div>
  );
}
