import { useEffect, useRef } from "react";
import { NavLink, Route, Routes, useLocation } from "react-router-dom";
import PatientList from "./PatientList.jsx";
import PatientPage from "./PatientPage.jsx";
import PatientForm from "./PatientForm.jsx";
import DoctorList from "./DoctorList.jsx";
import DoctorPatients from "./DoctorPatients.jsx";

// After a navigation, focus moves to the main region, so keyboard and screen-reader users
// start at the new page's content rather than at the link they followed.
function useFocusMainOnNavigation(mainRef) {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [pathname, mainRef]);
}

export default function App() {
  const mainRef = useRef(null);
  useFocusMainOnNavigation(mainRef);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header>
        <p className="brand">Clinic</p>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/patients" end>
                Patients
              </NavLink>
            </li>
            <li>
              <NavLink to="/patients/new">New patient</NavLink>
            </li>
            <li>
              <NavLink to="/doctors" end>
                Doctors
              </NavLink>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Routes>
          <Route path="/" element={<PatientList />} />
          <Route path="/patients" element={<PatientList />} />
          <Route path="/patients/new" element={<PatientForm />} />
          <Route path="/patients/:id" element={<PatientPage />} />
          <Route path="/patients/:id/edit" element={<PatientForm />} />
          <Route path="/doctors" element={<DoctorList />} />
          <Route path="/doctors/:id/patients" element={<DoctorPatients />} />
          <Route path="*" element={<h1>Page not found</h1>} />
        </Routes>
      </main>
    </>
  );
}
