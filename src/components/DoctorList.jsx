import { Link } from "react-router-dom";
import { listDoctors } from "../lib/api.js";
import { useAsync } from "../lib/useAsync.js";
import ErrorMessage from "./ErrorMessage.jsx";

export default function DoctorList() {
  const { loading, error, data: doctors } = useAsync(() => listDoctors(), []);
  return (
    <section aria-labelledby="doctors-heading">
      <h1 id="doctors-heading">Doctors</h1>
      {loading && <p className="status">Loading…</p>}
      <ErrorMessage error={error} action="The doctors could not be loaded" />
      {doctors && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Specialty</th>
              <th scope="col">Phone</th>
            </tr>
          </thead>
          <tbody>
            {doctors.map((doctor) => (
              <tr key={doctor.id}>
                <td>
                  <Link to={`/doctors/${encodeURIComponent(doctor.id)}/patients`}>{doctor.name}</Link>
                </td>
                <td>{doctor.specialty}</td>
                <td>{doctor.phone}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
